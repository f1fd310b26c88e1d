/**
 * Serialises a KDBX XML tree the way KeePassXC formats it: XML declaration,
 * tab indentation, LF, self-closing empty leaves. Escapes & < > " and drops
 * characters that XML 1.0 cannot carry (as KeePassXC does), so the output
 * always parses.
 */
import type { XmlElement } from './node.js';

// C0 controls except TAB/LF/CR, U+007F–U+0084, U+0086–U+009F, U+FFFE/U+FFFF, lone surrogates.
const INVALID_XML = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const NEEDS_ESCAPE = /[&<>"\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\uD800-\uDFFF\uFFFE\uFFFF]/;

export function escapeXml(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s
    .replace(INVALID_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/**
 * `valueOf` lets the caller supply the text of protected elements at write
 * time (the inner stream must run in document order, which is write order).
 */
export function serializeXml(root: XmlElement, valueOf?: (node: XmlElement) => string | undefined): string {
  // One growing string (V8 concatenates into a rope, flattened once by the
  // caller's UTF-8 encode): measured faster than joining ~2M parts.
  let out = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
  const tabs: string[] = [''];
  const write = (node: XmlElement, depth: number) => {
    const indent = tabs[depth] ?? (tabs[depth] = '\t'.repeat(depth));
    out += indent + '<' + node.name;
    if (node.attrs) for (const k in node.attrs) out += ' ' + k + '="' + escapeXml(node.attrs[k]) + '"';
    if (node.children.length) {
      out += '>\n';
      for (const c of node.children) write(c, depth + 1);
      out += indent + '</' + node.name + '>\n';
      return;
    }
    const text = (node.secret && valueOf?.(node)) ?? node.text;
    if (text === '') out += '/>\n';
    else out += '>' + escapeXml(text) + '</' + node.name + '>\n';
  };
  write(root, 0);
  return out;
}
