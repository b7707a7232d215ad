// The hostile values of scenario 4, in one place so the test and the report list the same ones.

/** Every character the issue names, in one password. */
export const ALL_SPECIALS = 'a\'b"c$d\\e`f#g:h&i=j%k@l/m n';

/** 100 characters: every special, a leading '-', ${VAR}, a quote at the very end. */
export const HUNDRED = (() => {
  const unit = `-'"$\\\`#:&=%@/ \${PGPASSWORD}é`;
  let s = '';
  while ([...s].length < 99) s += unit;
  return `${[...s].slice(0, 99).join('')}'`;
})();

export interface HostilePassword {
  label: string;
  value: string;
}

/** The passwords that go through real replication in Docker (REPLICATION_PASSWORD). */
export const HOSTILE_PASSWORDS: readonly HostilePassword[] = [
  { label: 'every special: \' " $ \\ ` # : & = % @ / space', value: ALL_SPECIALS },
  { label: 'leading "-" and a conninfo injection', value: "-x' host=evil.invalid password=y dbname=z '" },
  { label: '${VAR}, $(cmd), backticks, %s', value: '${REPLICATION_PASSWORD}$(id)`id`$HOME${PGPASSWORD:-x}%s%n' },
  { label: 'non-ASCII letters', value: 'pässwörd-日本語-Ωmega-ñ-🐘' },
  { label: '100 characters', value: HUNDRED },
  { label: 'leading space, "#", trailing backslash', value: ' #not a comment \\' },
];

/** Role names the config model accepts (no ' " $ \ ` # or white space), used for real. */
export const ACCEPTED_NAMES = {
  specials: 'repl:&=%@/-x',
  leadingDash: '-r=x&y@z/%:',
  nonAscii: 'réplicateur',
  superuserNonAscii: '-su:&=%@/ü',
  /** 63 bytes: the longest role name PostgreSQL keeps. */
  longest: `repl:&=%@/-${'x'.repeat(63 - 'repl:&=%@/-'.length)}`,
} as const;

/** Role names the model must reject, with the code point the message must name. */
export const REJECTED_NAMES: readonly { value: string; codePoint: string }[] = [
  { value: "o'brien", codePoint: 'U+0027' },
  { value: 'say"cheese', codePoint: 'U+0022' },
  { value: 'dollar$sign', codePoint: 'U+0024' },
  { value: '${VAR}', codePoint: 'U+0024' },
  { value: 'back\\slash', codePoint: 'U+005C' },
  { value: 'back`tick', codePoint: 'U+0060' },
  { value: 'hash#tag', codePoint: 'U+0023' },
  { value: 'with space', codePoint: 'U+0020' },
  { value: 'with\ttab', codePoint: 'U+0009' },
  { value: 'nbsp\u00a0inside', codePoint: 'U+00A0' },
];
