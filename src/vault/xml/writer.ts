/**
 * Serialises a KDBX XML tree the way KeePassXC formats it: XML declaration,
 * tab indentation, LF, self-closing empty leaves. Escapes & < > " and drops
 * characters that XML 1.0 cannot carry (as KeePassXC does), so the output
 * always parses.
 */
import type { XmlElement } from './node.js';
import { UsageError } from '../../errors/index.js';
import { MAX_DEPTH } from './tokenizer.js';

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

const DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

/**
 * Writes XML while the caller walks its data, formatted exactly as
 * serializeXml formats the equivalent tree; the KDBX writer uses it so a save
 * builds no tree of ~400k nodes. Text is encoded to UTF-8 every CHUNK
 * characters, so the small strings it is made of die young instead of
 * living (and being copied by the GC) until the whole document is done.
 *
 * `valueOf` supplies the text of protected elements at write time (the inner
 * stream must run in document order, which is write order).
 */
const CHUNK = 64 * 1024;

export class XmlWriter {
  #out = DECLARATION;
  readonly #chunks: Buffer[] = [];
  #depth = 0;
  /** The last start tag still lacks its '>': the element may end up empty (`<x/>`). */
  #startOpen = false;
  readonly #tabs: string[] = [''];
  readonly #valueOf?: (node: XmlElement) => string | undefined;
  readonly #sink?: (utf8: Buffer) => void;
  /** Serialised shared trees by node, then by depth (entries and their history versions sit at two depths). */
  readonly #shared = new Map<XmlElement, string[]>();

  /** `sink`: receives the document as it is written, in UTF-8 pieces, instead of toBytes() at the end. */
  constructor(valueOf?: (node: XmlElement) => string | undefined, sink?: (utf8: Buffer) => void) {
    this.#valueOf = valueOf;
    this.#sink = sink;
  }

  #indent(depth: number): string {
    return this.#tabs[depth] ?? (this.#tabs[depth] = '\t'.repeat(depth));
  }

  #endStartTag(): void {
    if (this.#startOpen) {
      this.#out += '>\n';
      this.#startOpen = false;
    }
  }

  /** Starts an element whose content is child elements. */
  open(name: string): void {
    this.#checkDepth();
    this.#endStartTag();
    this.#out += this.#indent(this.#depth++) + '<' + name;
    this.#startOpen = true;
  }

  close(name: string): void {
    const depth = --this.#depth;
    if (this.#startOpen) {
      this.#out += '/>\n';
      this.#startOpen = false;
    } else this.#out += this.#indent(depth) + '</' + name + '>\n';
    if (this.#out.length > CHUNK) this.#flush();
  }

  #flush(): void {
    const bytes = Buffer.from(this.#out, 'utf8');
    this.#out = '';
    if (this.#sink) this.#sink(bytes);
    else this.#chunks.push(bytes);
  }

  /**
   * A leaf whose text needs no escaping: numbers, booleans, base64 and times
   * the writer made itself (no regex test for ~10 leaves of every entry).
   */
  safeLeaf(name: string, text: string): void {
    this.#endStartTag();
    const indent = this.#indent(this.#depth);
    this.#out += text === '' ? indent + '<' + name + '/>\n' : indent + '<' + name + '>' + text + '</' + name + '>\n';
  }

  /** An element holding text (`secret`: a protected value, written through `valueOf`). */
  leaf(name: string, text: string, attrs: Record<string, string> | null = null, secret?: XmlElement['secret']): void {
    this.#endStartTag();
    let out = this.#indent(this.#depth) + '<' + name;
    if (attrs) for (const k in attrs) out += ' ' + k + '="' + escapeXml(attrs[k]) + '"';
    const value = (secret && this.#valueOf?.({ name, attrs, children: [], text, secret })) ?? text;
    this.#out += value === '' ? out + '/>\n' : out + '>' + escapeXml(value) + '</' + name + '>\n';
  }

  /**
   * `node()` for a tree that many entries share (the reader gives nearly all
   * of them one AutoType tree): serialised once per depth, then repeated.
   * Only for trees without protected values (those consume the inner stream).
   */
  sharedNode(node: XmlElement): void {
    this.#endStartTag();
    const byDepth = this.#shared.get(node);
    const text = byDepth?.[this.#depth];
    if (text !== undefined) {
      this.#out += text;
      return;
    }
    // Trees met once each (new entries made one by one) are not worth keeping: each kept text
    // flattens the output so far, and 100k of them ran out of memory on an import.
    if (hasSecret(node) || (!byDepth && this.#shared.size >= MAX_SHARED)) return this.node(node);
    const before = this.#out.length;
    this.node(node);
    // #out is never flushed inside node(), so the tree's text is its tail.
    const kept = byDepth ?? [];
    kept[this.#depth] = this.#out.slice(before);
    if (!byDepth) this.#shared.set(node, kept);
  }

  /**
   * Symmetric limits: the reader refuses nesting deeper than MAX_DEPTH
   * (tokenizer.ts), so a save that would nest deeper (a group 520 levels
   * down) fails here, before anything is written. One level is kept for
   * the leaves inside the deepest element.
   */
  #checkDepth(): void {
    if (this.#depth + 1 >= MAX_DEPTH) throw new UsageError(`cannot save: XML nesting deeper than ${MAX_DEPTH} levels (groups nested too deep), and stv would refuse to open the file; nothing was written`);
  }

  /** A whole tree (kept unknown elements, AutoType). */
  node(node: XmlElement): void {
    if (!node.children.length) {
      this.leaf(node.name, node.text, node.attrs, node.secret);
      return;
    }
    this.#endStartTag();
    let out = this.#indent(this.#depth) + '<' + node.name;
    if (node.attrs) for (const k in node.attrs) out += ' ' + k + '="' + escapeXml(node.attrs[k]) + '"';
    this.#out += out + '>\n';
    this.#checkDepth();
    this.#depth++;
    for (const c of node.children) this.node(c);
    this.#out += this.#indent(--this.#depth) + '</' + node.name + '>\n';
  }

  /** The document as UTF-8 (empty with a sink: everything has gone there). */
  toBytes(): Buffer {
    this.#flush();
    const bytes = Buffer.concat(this.#chunks);
    for (const c of this.#chunks) c.fill(0);
    this.#chunks.length = 0;
    return bytes;
  }

  toString(): string {
    return this.#chunks.length ? this.toBytes().toString('utf8') : this.#out;
  }
}

const MAX_SHARED = 64;

function hasSecret(node: XmlElement): boolean {
  return Boolean(node.secret) || node.children.some(hasSecret);
}

export function serializeXml(root: XmlElement, valueOf?: (node: XmlElement) => string | undefined): string {
  const w = new XmlWriter(valueOf);
  w.node(root);
  return w.toString();
}
