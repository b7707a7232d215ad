import { refuseFirst, textOf } from './input.js';

const CONTEXT = 'compose.yaml string';

/**
 * A single-quoted YAML scalar for compose.yaml. YAML keeps everything literal inside single
 * quotes except `'` (written `''`); Compose then interpolates `$` in the parsed value, so a
 * literal `$` is written `$$`.
 */
export function composeYamlString(v: unknown): string {
  const text = textOf(CONTEXT, v);
  // Line breaks fold into spaces inside a quoted scalar (Compose v1's PyYAML reads YAML 1.1, where
  // NEL, U+2028 and U+2029 are line breaks too); PyYAML refuses other controls and U+FFFE/U+FFFF.
  refuseFirst(
    CONTEXT,
    text,
    /[\p{Cc}\u2028\u2029\uFFFE\uFFFF]/u,
    'control characters, line breaks and U+FFFE/U+FFFF cannot be written into a single-quoted YAML string that every Compose parser reads back unchanged',
  );
  return `'${text.replaceAll("'", "''").replaceAll('$', () => '$$')}'`;
}
