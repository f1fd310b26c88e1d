/**
 * Paths as the user types and reads them: `Group/Sub/Title`. A `/` inside a
 * name is written `\/` (and a `\` that would otherwise join with what
 * follows, `\\`), so "Twitter / X" is `Social/Twitter \/ X`; any other
 * backslash stays as it is (`CORP\fred`). `ls -f`, `--json` paths and every
 * message write names this way, and every command reads them back.
 */

/** One name as it appears in a path. */
export function escapePathPart(name: string): string {
  if (!name.includes('/') && !name.includes('\\')) return name;
  return name.replace(/\\(?=\\|\/|$)/g, '\\\\').replace(/\//g, '\\/');
}

/** The names of a path, escapes undone; leading slashes are ignored, empty parts kept. */
export function splitPath(spec: string): string[] {
  const s = spec.replace(/^\/+/, '');
  if (!s.includes('\\')) return s.split('/');
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && (s[i + 1] === '/' || s[i + 1] === '\\')) {
      cur += s[++i];
    } else if (c === '/') {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

export function joinPath(names: string[]): string {
  return names.map(escapePathPart).join('/');
}
