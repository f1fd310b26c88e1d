/**
 * The one sanitiser for text printed to a terminal. Vault content may come
 * from someone else (an import, a merge, another stick), and a terminal acts
 * on what it is sent: OSC 52 writes the clipboard, OSC 0 the window title,
 * CSI 2J clears the screen, CR rewrites a line, bidi overrides reorder it.
 * So every C0 and C1 control, DEL, bidi control, line/paragraph separator and
 * lone surrogate is shown escaped (`\e`, `\r`, `\x9b`, `\u{202e}`), as
 * `ls -q` and git do, when the stream is a terminal. Pipes and files get the
 * text unchanged; `show -a FIELD` and `--json` are always raw (JSON escapes
 * controls itself).
 */

const NAMED: Record<string, string> = { '\x1b': '\\e', '\r': '\\r', '\b': '\\b', '\x07': '\\a', '\f': '\\f', '\v': '\\v', '\0': '\\0', '\t': '\\t', '\n': '\\n' };

// C0 (but tab/newline, handled by option), DEL, C1, bidi embeddings/overrides/isolates, LS/PS, lone surrogates.
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029\u061c\u200e\u200f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const UNSAFE_KEEP_LINES = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029\u061c\u200e\u200f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function escapeOne(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/**
 * `text` with every control shown escaped. `keepLines`: newlines and tabs
 * stay (a multi-line note); otherwise they are escaped too (one value on one line).
 */
export function escapeControls(text: string, o: { keepLines?: boolean } = {}): string {
  return text.replace(o.keepLines ? UNSAFE_KEEP_LINES : UNSAFE, escapeOne);
}

/** Text for `stream`: escaped when it is a terminal, unchanged for a pipe or a file. */
export function forTerminal(stream: NodeJS.WriteStream, text: string, o: { keepLines?: boolean } = {}): string {
  return stream.isTTY ? escapeControls(text, o) : text;
}
