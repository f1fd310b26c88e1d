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
 * Limits (hostile input, docs/kdbx.md §15): nesting depth ≤ MAX_DEPTH; anything malformed
 * throws CorruptFileError with the offset. What it accepts is the dialect of
 * docs/kdbx.md §9 (five predefined entities, numeric references, strict
 * UTF-8; CR and CRLF become LF, docs/kdbx.md §12 #11).
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

function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
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
      // XML 1.0 Char: a reference to NUL, another C0 control, a surrogate half or U+FFFE/U+FFFF is not well-formed
      // (KeePassXC's QXmlStreamReader refuses it too); a lone surrogate would also corrupt the value on save.
      if (!isXmlChar(cp)) fail(`character reference ${untrusted(`&${ref};`)} is not an XML character`, pos + i);
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

/** A leaf's text as the cursor gives it: newlines normalised, entities decoded (strictly). */
export function leafText(raw: string, pos = 0): string {
  return textValue(raw, pos, true);
}

/** `mayHaveCR`: false when the document has no CR at all (checked once), which spares a search per value. */
function textValue(raw: string, pos: number, mayHaveCR: boolean): string {
  const t = mayHaveCR ? normalizeNewlines(raw) : raw;
  return t.indexOf('&') === -1 ? t : decodeEntities(t, pos);
}

/**
 * Element names repeat endlessly (a vault has ~35 elements per entry but only
 * ~60 distinct names), so names are interned: found by a hash the scanner
 * computes while it reads the name, and checked in place, instead of
 * allocating a substring per element. What it buys: the lookup was the
 * largest single cost of the scan when it compared candidates by startsWith.
 */
const NAME_SLOTS = 1024;

class NameTable {
  readonly #slots: (string | undefined)[] = new Array<string | undefined>(NAME_SLOTS).fill(undefined);
  get(xml: string, start: number, end: number, hash: number): string {
    const slot = hash & (NAME_SLOTS - 1);
    const known = this.#slots[slot];
    if (known !== undefined && known.length === end - start && sameChars(xml, start, known)) return known;
    const name = detach(xml.slice(start, end));
    // A collision keeps the first name; the other is still correct, only not shared.
    if (known === undefined) this.#slots[slot] = name;
    return name;
  }
}

const SHARED_NAMES = new NameTable();

/** Whether `xml` holds `name` at `at` (names are short: a loop beats startsWith's call here). */
function sameChars(xml: string, at: number, name: string): boolean {
  for (let k = 0; k < name.length; k++) if (xml.charCodeAt(at + k) !== name.charCodeAt(k)) return false;
  return true;
}

export interface ParseOptions {
  /**
   * Called for each leaf element that has attributes, when its end tag is
   * read — i.e. in document order. The KDBX reader decrypts protected values
   * here, which saves a second walk over the document.
   */
  onAttributedLeaf?: (node: XmlElement) => void;
}

const EOF = 0;
const START = 1;
const END = 2;

/** An element whose start tag has been read and whose end tag has not. */
interface OpenElement {
  name: string;
  attrs: Record<string, string> | null;
  text: string;
  hasChildren: boolean;
  /** `<x/>`: its end is implied; the next scan closes it. */
  selfClosing: boolean;
}

/**
 * A pull reader over a KDBX XML document: the KDBX reader walks it with
 * `nextChild` and builds the model straight from the text, and only
 * unknown subtrees become XmlElement trees (`element()`). What this buys:
 * no tree of ~400k nodes for a 10k-entry vault, which was most of the parse
 * time (in GC) and most of the peak memory. Open elements live in a pool
 * indexed by depth, so scanning allocates nothing per element.
 *
 * Contract: after `nextChild(level)` returns true, the child is open; the
 * caller reads it with `text()`, `element()`, `skip()` or its own
 * `nextChild(cursor.level)` loop — or leaves it, and the next
 * `nextChild(level)` skips it.
 */
export class XmlCursor {
  /** Name and attributes of the element `nextChild` entered last. */
  name = '';
  attrs: Record<string, string> | null = null;
  /** After `text()`: the value the leaf callback set (a decrypted protected value), if any. */
  secret: XmlElement['secret'];

  readonly #xml: string;
  readonly #onLeaf?: (node: XmlElement) => void;
  // One table for every cursor: the lazy reader opens a cursor per entry it reads (10k for a save).
  readonly #names = SHARED_NAMES;
  readonly #open: OpenElement[] = [];
  #depth = 0;
  #closed: OpenElement | undefined;
  #hadRoot = false;
  #pos = 0;
  /** Where the start tag `nextChild` entered last begins. */
  #entered = -1;
  // Text since the last tag, assigned to a leaf only when its end tag comes:
  // whitespace between elements is never materialised.
  #pendingStart = -1;
  #pendingEnd = -1;
  readonly #hasCR: boolean;
  /** What #attributes read last. */
  #tagAttrs: Record<string, string> | null = null;
  #tagSelfClosing = false;

  constructor(xml: string, opts: ParseOptions = {}) {
    this.#xml = xml;
    this.#hasCR = xml.indexOf('\r') !== -1;
    this.#onLeaf = opts.onAttributedLeaf;
    if (xml.charCodeAt(0) === 0xfeff) this.#pos = 1;
  }

  /** Depth of the innermost open element (0 before and after the root). */
  get level(): number {
    return this.#depth;
  }

  /** Enters the root element and returns its name. */
  root(): string {
    if (this.#scan() !== START) fail('no root element', 0);
    return this.name;
  }

  /** Checks that nothing but comments and whitespace follows the root. */
  finish(): void {
    if (this.#depth !== 0 || this.#scan() !== EOF) fail('content after the root element', this.#pos);
  }

  /**
   * Enters the next child of the element open at `level`: true with
   * `name`/`attrs` set, or false once that element's end tag is read.
   */
  nextChild(level: number): boolean {
    while (this.#depth > level) this.skip();
    return this.#scan() === START;
  }

  /** The text of the element just entered, read through its end tag (child elements are skipped). */
  text(): string {
    this.skip();
    return this.#closed!.text;
  }

  /**
   * `text()` for values the model keeps: a copy that does not hold on to the
   * document. V8 makes substrings of 13+ characters slices of their parent,
   * so one kept user name would keep the whole ~13 MB document alive.
   * `shared`: strings to hand out instead of a copy when the text is one
   * of them (field names repeat in every entry).
   */
  ownText(shared?: ReadonlyMap<string, string>): string {
    const text = this.text();
    return shared?.get(text) ?? detach(text);
  }

  /** The whole document (the lazy reader skims it). */
  get document(): string {
    return this.#xml;
  }

  /** Where reading has got: just after the start tag `nextChild` entered last, right after it. */
  get position(): number {
    return this.#pos;
  }

  /** Whether the element just entered is `<x/>`. */
  get enteredEmpty(): boolean {
    return this.#open[this.#depth - 1]?.selfClosing ?? false;
  }

  /**
   * Steps over the element just entered, whose end tag the caller found
   * ends just before `end`, without reading it (the lazy reader reads it
   * later, strictly, from its own cursor).
   */
  skipTo(end: number): void {
    const top = this.#open[this.#depth - 1];
    this.#pos = end;
    this.#pendingStart = -1;
    top.text = '';
    this.#depth--;
    this.#closed = top;
    this.secret = undefined;
  }

  /** Offset of the start tag of the element `nextChild` entered last (for `sourceFrom`). */
  get enteredAt(): number {
    return this.#entered;
  }

  /** The document text from `start` to where reading has got (a copy, see ownText). */
  sourceFrom(start: number): string {
    return detach(this.#xml.slice(start, this.#pos));
  }

  /**
   * Steps over the element just entered if its text, start tag to end tag,
   * is exactly `source`: the text of an element read and checked before, so
   * it would read the same again. False (nothing read) otherwise. What it
   * buys: nearly every entry repeats the same AutoType element, and reading
   * it as a tree each time was ~8 % of a 10k-entry read. The caller must not
   * pass a source that held protected values (they consume the inner stream).
   */
  skipIfSource(source: string): boolean {
    const top = this.#open[this.#depth - 1];
    if (!top || top.selfClosing || !this.#xml.startsWith(source, this.#entered)) return false;
    this.#pos = this.#entered + source.length;
    this.#pendingStart = -1;
    top.text = '';
    this.#depth--;
    this.#closed = top;
    this.secret = undefined;
    return true;
  }

  /** Reads the element just entered through its end tag. */
  skip(): void {
    const level = this.#depth;
    while (this.#scan() !== END || this.#depth >= level);
  }

  /** The element just entered, with its subtree, as a tree node. */
  element(): XmlElement {
    const stack: XmlElement[] = [{ name: this.name, attrs: this.attrs, children: NO_CHILDREN, text: '' }];
    for (;;) {
      if (this.#scan() === START) {
        const node: XmlElement = { name: this.name, attrs: this.attrs, children: NO_CHILDREN, text: '' };
        const parent = stack[stack.length - 1];
        if (parent.children === NO_CHILDREN) parent.children = [node];
        else parent.children.push(node);
        stack.push(node);
        continue;
      }
      const node = stack.pop()!;
      node.text = detach(this.#closed!.text);
      if (this.secret) node.secret = this.secret;
      if (!stack.length) return node;
    }
  }

  #close(open: OpenElement): number {
    this.#depth--;
    this.#closed = open;
    this.secret = undefined;
    if (open.attrs && !open.hasChildren && this.#onLeaf) {
      const leaf: XmlElement = { name: open.name, attrs: open.attrs, children: NO_CHILDREN, text: open.text };
      this.#onLeaf(leaf);
      open.text = leaf.text;
      this.secret = leaf.secret;
    }
    return END;
  }

  /** Reads a start tag's attributes from `i` through its '>' or '/>'; sets #tagAttrs and #tagSelfClosing, returns the index after it. */
  #attributes(i: number, name: string): number {
    const xml = this.#xml;
    const len = xml.length;
    let attrs: Record<string, string> | null = null;
    let selfClosing = false;
    for (;;) {
      while (i < len && isSpace(xml.charCodeAt(i))) i++;
      const ch = xml.charCodeAt(i);
      if (ch === 62 /* > */) { i++; break; }
      if (ch === 47 /* / */ && xml.charCodeAt(i + 1) === 62) { selfClosing = true; i += 2; break; }
      const nameStart = i;
      while (i < len && isNameChar(xml.charCodeAt(i))) i++;
      if (i === nameStart) fail(`malformed tag ${untrusted(`<${name}>`)}`, i);
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
      const value = textValue(rawValue, i + 1, this.#hasCR);
      (attrs ??= {})[attrName] = value.indexOf('\t') === -1 && value.indexOf('\n') === -1 ? value : value.replace(/[\t\n]/g, ' ');
      i = close + 1;
    }
    this.#tagAttrs = attrs;
    this.#tagSelfClosing = selfClosing;
    return i;
  }

  /** A processing instruction, comment or CDATA section at `lt`: returns where reading goes on. */
  #markup(lt: number, top: OpenElement | undefined): number {
    const xml = this.#xml;
    if (xml.charCodeAt(lt + 1) === 63 /* ? */) {
      const end = xml.indexOf('?>', lt);
      if (end === -1) fail('unterminated processing instruction', lt);
      return end + 2;
    }
    if (xml.startsWith('<!--', lt)) {
      const end = xml.indexOf('-->', lt + 4);
      if (end === -1) fail('unterminated comment', lt);
      return end + 3;
    }
    if (xml.startsWith('<![CDATA[', lt)) {
      const end = xml.indexOf(']]>', lt + 9);
      if (end === -1) fail('unterminated CDATA section', lt);
      if (!top) fail('CDATA outside the root element', lt);
      if (this.#pendingStart !== -1 && this.#pendingEnd === lt) top.text += textValue(xml.slice(this.#pendingStart, lt), this.#pendingStart, this.#hasCR);
      this.#pendingStart = -1;
      top.text += normalizeNewlines(xml.slice(lt + 9, end));
      return end + 3;
    }
    fail('DOCTYPE or declaration not allowed in a KDBX payload', lt);
  }

  /** Reads up to and including the next start or end tag. */
  #scan(): number {
    const xml = this.#xml;
    const len = xml.length;
    const top = this.#depth ? this.#open[this.#depth - 1] : undefined;
    if (top?.selfClosing) return this.#close(top);
    let pos = this.#pos;
    while (pos < len) {
      const lt = xml.indexOf('<', pos);
      if (lt === -1) {
        if (!isBlank(xml, pos, len)) fail('text after the root element', pos);
        pos = len;
        break;
      }
      if (lt > pos) {
        if (this.#pendingStart !== -1 && this.#pendingEnd !== pos) {
          // Text interrupted by a comment or PI: fold it into the leaf text now.
          if (top) top.text += textValue(xml.slice(this.#pendingStart, this.#pendingEnd), this.#pendingStart, this.#hasCR);
        }
        this.#pendingStart = pos;
        this.#pendingEnd = lt;
      } else if (this.#pendingEnd !== pos) this.#pendingStart = -1;
      const c = xml.charCodeAt(lt + 1);
      if (c === 47 /* / */) {
        const gt = xml.indexOf('>', lt);
        if (gt === -1) fail('unterminated end tag', lt);
        let nameEnd = gt;
        while (nameEnd > lt + 2 && isSpace(xml.charCodeAt(nameEnd - 1))) nameEnd--;
        if (!top || nameEnd - (lt + 2) !== top.name.length || !sameChars(xml, lt + 2, top.name)) {
          fail(`end tag ${untrusted(`</${xml.slice(lt + 2, Math.min(nameEnd, lt + 64))}>`)} does not match ${untrusted(`<${top?.name ?? ''}>`)}`, lt);
        }
        if (this.#pendingStart !== -1 && this.#pendingEnd === lt) {
          if (!top.hasChildren) top.text += textValue(xml.slice(this.#pendingStart, lt), this.#pendingStart, this.#hasCR);
          else if (!isBlank(xml, this.#pendingStart, lt)) fail('mixed content is not KDBX', this.#pendingStart);
        }
        this.#pendingStart = -1;
        this.#pos = gt + 1;
        return this.#close(top);
      }
      if (c === 63 /* ? */ || c === 33 /* ! */) {
        pos = this.#markup(lt, top);
        continue;
      }
      // Start tag.
      let i = lt + 1;
      let hash = 0;
      // charCodeAt past the end is NaN, which is no name character.
      for (let code = xml.charCodeAt(i); isNameChar(code); code = xml.charCodeAt(++i)) hash = (hash * 31 + code) | 0;
      if (i === lt + 1) fail('invalid tag', lt);
      const name = this.#names.get(xml, lt + 1, i, hash);
      // Most tags have no attributes: only those go through #attributes (rare paths stay out of
      // this function, which keeps it small enough for the JIT to optimise early in a cold open).
      let attrs: Record<string, string> | null = null;
      let selfClosing = false;
      const ch = xml.charCodeAt(i);
      if (ch === 62 /* > */) i++;
      else if (ch === 47 /* / */ && xml.charCodeAt(i + 1) === 62) {
        selfClosing = true;
        i += 2;
      } else {
        i = this.#attributes(i, name);
        attrs = this.#tagAttrs;
        selfClosing = this.#tagSelfClosing;
      }
      if (this.#pendingStart !== -1 && this.#pendingEnd === lt && !isBlank(xml, this.#pendingStart, lt)) {
        fail(top ? 'mixed content is not KDBX' : 'text outside the root element', this.#pendingStart);
      }
      this.#pendingStart = -1;
      if (top) {
        if (top.text) {
          if (top.text.trim()) fail('mixed content is not KDBX', lt);
          top.text = '';
        }
        top.hasChildren = true;
      } else if (this.#hadRoot) fail('second root element', lt);
      else this.#hadRoot = true;
      if (!selfClosing && this.#depth >= MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH} levels`, lt);
      const open = (this.#open[this.#depth] ??= { name: '', attrs: null, text: '', hasChildren: false, selfClosing: false });
      open.name = name;
      open.attrs = attrs;
      open.text = '';
      open.hasChildren = false;
      open.selfClosing = selfClosing;
      this.#depth++;
      this.name = name;
      this.attrs = attrs;
      this.#entered = lt;
      this.#pos = i;
      return START;
    }
    this.#pos = pos;
    if (this.#depth) fail(`unclosed element ${untrusted(`<${this.#open[this.#depth - 1].name}>`)}`, len);
    return EOF;
  }
}

/** A flat copy of `s`, not a slice of a larger string (see ownText). */
function detach(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

/** The whole document as a tree (tests, plain XML import). */
export function parseXml(xml: string, opts: ParseOptions = {}): XmlElement {
  const cursor = new XmlCursor(xml, opts);
  cursor.root();
  const doc = cursor.element();
  cursor.finish();
  return doc;
}

/** Decode UTF-8 strictly: invalid bytes are corruption, not text to guess at. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new CorruptFileError('corrupt file: XML payload is not valid UTF-8');
  }
}
