// Compose env files have no quoting that both Compose versions read the same way:
// v1 (1.29, python-dotenv) strips surrounding quotes and a ` #` comment, and (Debian's 1.29.2
// with python-dotenv 0.21, checked) expands `${VAR}` even inside single quotes but not `$VAR`;
// v2 expands `$` in unquoted and double-quoted values and treats only single quotes as literal
// (docker/compose#11058). So a value is written bare, and only when no version could change it.
// This rule lives here, beside the other rules, because the config model refuses names that
// break it and the env-file writer (render/quote/envfile.ts) refuses values that break it.

/** Quotes, `$` interpolation, backslash escapes and `#` comments: read differently by v1 and v2. */
const SPECIAL = new Set(["'", '"', '$', '\\', '#', '`']);

/**
 * Visible characters only (letters, marks, digits, punctuation, symbols). Whitespace is trimmed
 * or starts a comment, controls break lines, and invisible format or unassigned code points
 * cannot be reviewed in the file.
 */
const VISIBLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** "'$' (U+0024)" for a visible character, "U+000A" for anything else. */
export function describeChar(ch: string): string {
  const hex = (ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
  return VISIBLE.test(ch) ? `'${ch}' (U+${hex})` : `U+${hex}`;
}

/** Why `text` cannot be written bare to an env file and read back unchanged by Compose v1 and v2, or undefined. */
export function envFileValueProblem(text: string): string | undefined {
  for (const ch of text) {
    if (SPECIAL.has(ch)) {
      return `${describeChar(ch)}: quotes, \`$\`, backslashes and \`#\` mean different things to Compose v1 and v2 env files, and no quoting is read the same by both`;
    }
    if (!VISIBLE.test(ch)) {
      return `${describeChar(ch)}: only visible, non-whitespace characters survive an unquoted env-file value (whitespace is trimmed or starts a comment; controls and invisible characters do not belong in a reviewed file)`;
    }
  }
  return undefined;
}
