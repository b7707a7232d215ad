// KEY=value lines of an env file, read literally: what the entrypoint must receive, whatever a
// Compose engine might make of `$`, quotes or ` #` (test/e2e-docker/compose-v2.test.ts), and what
// the render tests compare.
export function literalEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.indexOf('=');
    out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}
