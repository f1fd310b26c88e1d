/**
 * A strict, fast XML reader for KDBX payloads.
 *
 * Why our own: KDBX XML is a small, fixed dialect (no DTD, no namespaces, no
 * mixed content) and a 10,000-entry vault is ~10 MB of it. General parsers
 * spent ~90 ms on such a file here (saxes, htmlparser2), most of our unlock
 * budget; this scanner does it in a fraction. Refusing every DOCTYPE also
 * makes entity-expansion bombs and external entities impossible by
 * construction. Tests cross-check it against saxes on fixtures and fuzz input.
 *
 * Limits (hostile input): nesting depth ≤ MAX_DEPTH; anything malformed
 * throws CorruptFileError with the offset.
 */
import { CorruptFileError, untrusted } from '../../errors/index.js';
import type { XmlElement } from './node.js';

export const MAX_DEPTH = 512;

/**
 * Leaves share one frozen empty child list: a 10k-entry vault has ~350k
 * leaves, and an array each was most of the parse time (in GC).
 */
export const NO_CHILDREN: XmlElement[] = Object.freeze([]) as unknown as XmlElement[];

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function fail(msg: string, pos: number): never {
  throw new CorruptFileError(`corrupt file: XML ${msg} at character ${pos}`);
}

function isNameChar(c: number): boolean {
  // Letters, digits, '_', '-', '.', ':' and anything non-ASCII.
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45 || c === 46 || c === 58 || c > 127;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

export function decodeEntities(s: string, pos: number): string {
  let out = '';
  let last = 0;
  for (let i = s.indexOf('&'); i !== -1; i = s.indexOf('&', last)) {
    const end = s.indexOf(';', i);
    if (end === -1 || end - i > 12) fail('unterminated entity reference', pos + i);
    const ref = s.slice(i + 1, end);
    let rep: string | undefined;
    if (ref.charCodeAt(0) === 35 /* # */) {
      const hex = ref[1] === 'x';
      const digits = ref.slice(hex ? 2 : 1);
      const cp = digits && (hex ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/).test(digits) ? parseInt(digits, hex ? 16 : 10) : NaN;
      if (!(cp >= 0 && cp <= 0x10ffff)) fail(`invalid character reference ${untrusted(`&${ref};`)}`, pos + i);
      rep = String.fromCodePoint(cp);
    } else {
      rep = PREDEFINED[ref];
      if (rep === undefined) fail(`unknown entity ${untrusted(`&${ref};`)}`, pos + i);
    }
    out += s.slice(last, i) + rep;
    last = end + 1;
  }
  return out + s.slice(last);
}

/** XML end-of-line handling: CRLF and lone CR become LF. */
function normalizeNewlines(s: string): string {
  return s.indexOf('\r') === -1 ? s : s.replace(/\r\n?/g, '\n');
}

function isBlank(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isSpace(s.charCodeAt(i))) return false;
  return true;
}

function textValue(raw: string, pos: number): string {
  const t = normalizeNewlines(raw);
  return t.indexOf('&') === -1 ? t : decodeEntities(t, pos);
}

/**
 * Element names repeat endlessly (a vault has ~35 elements per entry but only
 * ~60 distinct names), so names are interned: matched in place with
 * startsWith instead of allocating a substring per element.
 */
class NameTable {
  #byLength: string[][] = [];
  #count = 0;
  get(xml: string, start: number, end: number): string {
    const len = end - start;
    const bucket = this.#byLength[len];
    if (bucket) for (const n of bucket) if (xml.startsWith(n, start)) return n;
    const name = xml.slice(start, end);
    if (this.#count < 4096) {
      (this.#byLength[len] ??= []).push(name);
      this.#count++;
    }
    return name;
  }
}

export interface ParseOptions {
  /**
   * Called for each leaf element that has attributes, when its end tag is
   * read — i.e. in document order. The KDBX reader decrypts protected values
   * here, which saves a second walk over a tree of ~400k nodes.
   */
  onAttributedLeaf?: (node: XmlElement) => void;
}

export function parseXml(xml: string, opts: ParseOptions = {}): XmlElement {
  const onLeaf = opts.onAttributedLeaf;
  const names = new NameTable();
  const len = xml.length;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let pos = 0;
  if (xml.charCodeAt(0) === 0xfeff) pos = 1;
  // Text since the last tag, assigned to a leaf only when its end tag comes:
  // whitespace between elements is never materialised.
  let pendingStart = -1;
  let pendingEnd = -1;

  while (pos < len) {
    const lt = xml.indexOf('<', pos);
    if (lt === -1) {
      if (!isBlank(xml, pos, len)) fail('text after the root element', pos);
      break;
    }
    if (lt > pos) {
      if (pendingStart !== -1 && pendingEnd !== pos) {
        // Text interrupted by a comment or PI: fold it into the leaf text now.
        const top = stack[stack.length - 1];
        if (top) top.text += textValue(xml.slice(pendingStart, pendingEnd), pendingStart);
      }
      pendingStart = pos;
      pendingEnd = lt;
    } else if (pendingEnd !== pos) pendingStart = -1;
    const c = xml.charCodeAt(lt + 1);
    if (c === 47 /* / */) {
      const gt = xml.indexOf('>', lt);
      if (gt === -1) fail('unterminated end tag', lt);
      const top = stack.pop();
      let nameEnd = gt;
      while (nameEnd > lt + 2 && isSpace(xml.charCodeAt(nameEnd - 1))) nameEnd--;
      if (!top || nameEnd - (lt + 2) !== top.name.length || !xml.startsWith(top.name, lt + 2)) {
        fail(`end tag ${untrusted(`</${xml.slice(lt + 2, Math.min(nameEnd, lt + 64))}>`)} does not match ${untrusted(`<${top?.name ?? ''}>`)}`, lt);
      }
      if (pendingStart !== -1 && pendingEnd === lt) {
        if (top.children === NO_CHILDREN) top.text += textValue(xml.slice(pendingStart, lt), pendingStart);
        else if (!isBlank(xml, pendingStart, lt)) fail('mixed content is not KDBX', pendingStart);
      }
      pendingStart = -1;
      if (onLeaf && top.attrs && top.children === NO_CHILDREN) onLeaf(top);
      pos = gt + 1;
      continue;
    }
    if (c === 63 /* ? */) {
      const end = xml.indexOf('?>', lt);
      if (end === -1) fail('unterminated processing instruction', lt);
      pos = end + 2;
      continue;
    }
    if (c === 33 /* ! */) {
      if (xml.startsWith('<!--', lt)) {
        const end = xml.indexOf('-->', lt + 4);
        if (end === -1) fail('unterminated comment', lt);
        pos = end + 3;
        continue;
      }
      if (xml.startsWith('<![CDATA[', lt)) {
        const end = xml.indexOf(']]>', lt + 9);
        if (end === -1) fail('unterminated CDATA section', lt);
        const top = stack[stack.length - 1];
        if (!top) fail('CDATA outside the root element', lt);
        if (pendingStart !== -1 && pendingEnd === lt) top.text += textValue(xml.slice(pendingStart, lt), pendingStart);
        pendingStart = -1;
        top.text += normalizeNewlines(xml.slice(lt + 9, end));
        pos = end + 3;
        continue;
      }
      fail('DOCTYPE or declaration not allowed in a KDBX payload', lt);
    }
    // Start tag.
    let i = lt + 1;
    while (i < len && isNameChar(xml.charCodeAt(i))) i++;
    if (i === lt + 1) fail('invalid tag', lt);
    const node: XmlElement = { name: names.get(xml, lt + 1, i), attrs: null, children: NO_CHILDREN, text: '' };
    let selfClosing = false;
    for (;;) {
      while (i < len && isSpace(xml.charCodeAt(i))) i++;
      const ch = xml.charCodeAt(i);
      if (ch === 62 /* > */) { i++; break; }
      if (ch === 47 /* / */ && xml.charCodeAt(i + 1) === 62) { selfClosing = true; i += 2; break; }
      const nameStart = i;
      while (i < len && isNameChar(xml.charCodeAt(i))) i++;
      if (i === nameStart) fail(`malformed tag ${untrusted(`<${node.name}>`)}`, i);
      const attrName = xml.slice(nameStart, i);
      while (i < len && isSpace(xml.charCodeAt(i))) i++;
      if (xml.charCodeAt(i) !== 61 /* = */) fail(`attribute ${untrusted(attrName)} without value`, i);
      i++;
      while (i < len && isSpace(xml.charCodeAt(i))) i++;
      const q = xml.charCodeAt(i);
      if (q !== 34 && q !== 39) fail(`attribute ${untrusted(attrName)} value not quoted`, i);
      const close = xml.indexOf(q === 34 ? '"' : "'", i + 1);
      if (close === -1) fail('unterminated attribute value', i);
      const rawValue = xml.slice(i + 1, close);
      if (rawValue.indexOf('<') !== -1) fail("'<' in attribute value", i);
      (node.attrs ??= {})[attrName] = textValue(rawValue, i + 1).replace(/[\t\n]/g, ' ');
      i = close + 1;
    }
    const top = stack[stack.length - 1];
    if (pendingStart !== -1 && pendingEnd === lt && !isBlank(xml, pendingStart, lt)) {
      fail(top ? 'mixed content is not KDBX' : 'text outside the root element', pendingStart);
    }
    pendingStart = -1;
    if (top) {
      if (top.text) {
        if (top.text.trim()) fail('mixed content is not KDBX', lt);
        top.text = '';
      }
      if (top.children === NO_CHILDREN) top.children = [node];
      else top.children.push(node);
    } else if (root) fail('second root element', lt);
    else root = node;
    if (!selfClosing) {
      if (stack.length >= MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH} levels`, lt);
      stack.push(node);
    } else if (onLeaf && node.attrs) onLeaf(node);
    pos = i;
  }
  if (stack.length) fail(`unclosed element ${untrusted(`<${stack[stack.length - 1].name}>`)}`, len);
  if (!root) fail('no root element', 0);
  return root;
}

/** Decode UTF-8 strictly: invalid bytes are corruption, not text to guess at. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new CorruptFileError('corrupt file: XML payload is not valid UTF-8');
  }
}
