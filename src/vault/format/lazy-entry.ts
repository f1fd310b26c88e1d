/**
 * The lazy path of the reader: an entry is skimmed on open and read on first
 * use. What it buys: a cold `ls` or `show` of a 10k-entry vault builds ~35
 * elements per entry it never looks at (most of the parse). What it keeps:
 * the file's integrity (HMAC / block hashes / gzip CRC) is checked on open
 * before any XML is read; a malformed entry is reported (CorruptFileError,
 * exit 6) by whatever reads it — a command that reaches it, `stv check`, and
 * every save, which reads all entries before writing anything.
 *
 * The skim takes only entries in the shape KeePass writers produce (no
 * comments, PIs or CDATA, one <UUID>, <Value Protected="True"> for
 * protected values, <History> last); any other entry is read on open as
 * before. The inner stream is consumed in document order during the skim
 * (each protected value's pad kept with its entry), so entries can be read
 * in any order later.
 */
import { CorruptFileError } from '../../errors/index.js';
import { type XmlCursor, leafText } from '../xml/index.js';
import { type Entry, type EntrySource, Entry as EntryClass, type Times } from '../model/index.js';
import { uuidFromBase64 } from './uuid.js';
import { BASE64, decodedLength } from './base64.js';

export interface LazyContext {
  keystream(n: number): Uint8Array;
  /** Reads one <Entry> element's source strictly (its protected values XORed with `pads`), without claiming its UUID again. */
  readEntry(source: string, pads: (n: number) => Uint8Array): Entry;
  /** The UUID check of the eager reader (two objects with one UUID are refused). */
  claim(uuid: string, entry: Entry): void;
  /** Placeholder Times for an entry not read yet. */
  unread: Times;
  splitTags(text: string): string[];
}

const ENTRY_OPEN = '<Entry>';
const ENTRY_CLOSE = '</Entry>';
const PROTECTED_VALUE = '<Value Protected="True">';

const isSpace = (c: number) => c === 32 || c === 10 || c === 9 || c === 13;

/**
 * Occurrences of `what` in `s` (every search here runs on one entry's
 * slice: a search for something absent must not run to the end of the
 * document, 10k times).
 */
function count(s: string, what: string, from = 0): number {
  let n = 0;
  for (let i = s.indexOf(what, from); i !== -1; i = s.indexOf(what, i + what.length)) n++;
  return n;
}

/** Whether every <Entry and </Entry in `src` is a plain `<Entry>` / `</Entry>` (one pass: this runs for every entry). */
function plainEntryTags(src: string): boolean {
  for (let i = src.indexOf('Entry', 1); i !== -1; i = src.indexOf('Entry', i + 5)) {
    const before = src.charCodeAt(i - 1);
    const tag = before === 60 /* < */ || (before === 47 /* / */ && src.charCodeAt(i - 2) === 60);
    if (tag && src.charCodeAt(i + 5) !== 62 /* > */) return false;
  }
  return true;
}

/** Finds the end of the <Entry> whose body starts at `from` (its history entries nest): the index after its end tag. */
function entryEnd(xml: string, from: number): number {
  let depth = 1;
  let i = from;
  for (;;) {
    const close = xml.indexOf(ENTRY_CLOSE, i);
    if (close === -1) return -1;
    depth += count(xml.slice(i, close), ENTRY_OPEN) - 1;
    i = close + ENTRY_CLOSE.length;
    if (depth === 0) return i;
  }
}

/**
 * The entry the cursor just entered, skimmed, or undefined when it is not in
 * the shape the skim takes (the caller reads it now, as before). Nothing is
 * consumed from the inner stream or the cursor unless an entry is returned.
 */
export function skimEntry(cur: XmlCursor, ctx: LazyContext): Entry | undefined {
  if (cur.attrs || cur.enteredEmpty) return undefined;
  const xml = cur.document;
  const start = cur.enteredAt;
  const end = entryEnd(xml, cur.position);
  if (end === -1) return undefined;
  // The entry alone (a slice, not a copy); offsets below are relative to it.
  const src = xml.slice(start, end);
  const body = cur.position - start;
  // Markup the counting above cannot see through, or tags it would miscount: read it now.
  if (src.indexOf('<!') !== -1 || src.indexOf('<?') !== -1) return undefined;
  if (!plainEntryTags(src)) return undefined;
  const ownEnd = ownPartEnd(src, body);
  if (ownEnd === -1) return undefined;
  const own = src.slice(0, ownEnd);
  const uuid = onlyUuid(own, body);
  if (!uuid) return undefined;
  const lengths = protectedLengths(src, body);
  if (!lengths) return undefined;
  // The pads, in document order, for the values read later.
  let total = 0;
  for (const n of lengths) total += n;
  const pads = new Uint8Array(total);
  let at = 0;
  for (const n of lengths) {
    if (!n) continue;
    const ks = ctx.keystream(n);
    pads.set(ks, at);
    ks.fill(0);
    at += n;
  }
  const entry = EntryClass.fromSource(uuid, ctx.unread, new SkimmedEntry(src, own, start, body, pads, uuid, ctx));
  ctx.claim(uuid, entry);
  cur.skipTo(end);
  return entry;
}

/** Where the entry's own part ends (its history excluded: <History> must be its last child), or -1. */
function ownPartEnd(src: string, body: number): number {
  const closeTag = src.length - ENTRY_CLOSE.length;
  const h = src.indexOf('<History', body);
  if (h === -1) return closeTag;
  let i: number;
  if (src.startsWith('<History/>', h)) i = h + 10;
  else if (src.startsWith('<History>', h)) {
    const hEnd = src.lastIndexOf('</History>', closeTag);
    if (hEnd < h) return -1;
    i = hEnd + 10;
  } else return -1;
  while (isSpace(src.charCodeAt(i))) i++;
  return i === closeTag ? h : -1;
}

/** The entry's UUID when its own part holds exactly one plain <UUID>…</UUID> that is valid. */
function onlyUuid(own: string, body: number): string | undefined {
  const at = own.indexOf('<UUID', body);
  if (at === -1 || own.indexOf('<UUID', at + 5) !== -1 || !own.startsWith('<UUID>', at)) return undefined;
  const close = own.indexOf('<', at + 6);
  if (!own.startsWith('</UUID>', close)) return undefined;
  return uuidFromBase64(own.slice(at + 6, close).trim());
}

/**
 * Decoded lengths of every protected value in document order, or undefined
 * when any "Protected" in the entry is not such a value (then the reader
 * decides, on open).
 */
function protectedLengths(src: string, body: number): number[] | undefined {
  const out: number[] = [];
  for (let i = src.indexOf('Protected', body); i !== -1; i = src.indexOf('Protected', i + 9)) {
    const tag = i - 7;
    if (!src.startsWith(PROTECTED_VALUE, tag)) return undefined;
    const textStart = tag + PROTECTED_VALUE.length;
    const lt = src.indexOf('<', textStart);
    if (!src.startsWith('</Value>', lt)) return undefined;
    const text = src.slice(textStart, lt).trim();
    if (!BASE64.test(text)) return undefined;
    out.push(decodedLength(text));
  }
  return out;
}

class SkimmedEntry implements EntrySource {
  /** The entry's source, and its own part (history excluded). */
  readonly #src: string;
  readonly #own: string;
  /** Where the entry starts in the document (for error positions) and where its body starts in `#src`. */
  readonly #start: number;
  readonly #body: number;
  readonly #pads: Uint8Array;
  readonly #uuid: string;
  readonly #ctx: LazyContext;

  constructor(src: string, own: string, start: number, body: number, pads: Uint8Array, uuid: string, ctx: LazyContext) {
    this.#src = src;
    this.#own = own;
    this.#start = start;
    this.#body = body;
    this.#pads = pads;
    this.#uuid = uuid;
    this.#ctx = ctx;
  }

  load(): Entry {
    // The pads are used up by one read; a failed read leaves them for the next attempt.
    const pads = Uint8Array.from(this.#pads);
    let at = 0;
    const take = (n: number) => {
      if (at + n > pads.length) throw new CorruptFileError('corrupt file: protected values do not match the inner stream');
      at += n;
      return pads.subarray(at - n, at);
    };
    try {
      const entry = this.#ctx.readEntry(this.#src, take);
      if (at !== pads.length || entry.uuid !== this.#uuid) throw new CorruptFileError('corrupt file: an entry reads differently from its skim');
      this.#pads.fill(0);
      return entry;
    } finally {
      pads.fill(0);
    }
  }

  /**
   * `<String><Key>NAME</Key><Value>text</Value></String>` (blanks between
   * tags allowed), once in the entry's own part: its text, decoded as the
   * cursor decodes it. Anything else: undefined, and the caller reads the
   * entry. Names are standard field names (no markup characters).
   */
  peekField(name: string): string | undefined {
    const own = this.#own;
    const key = `<Key>${name}</Key>`;
    const k = own.indexOf(key, this.#body);
    if (k === -1 || own.indexOf(key, k + key.length) !== -1) return undefined;
    let b = k;
    while (isSpace(own.charCodeAt(b - 1))) b--;
    if (!own.startsWith('<String>', b - 8)) return undefined;
    let a = k + key.length;
    while (isSpace(own.charCodeAt(a))) a++;
    let text = '';
    if (own.startsWith('<Value/>', a)) a += 8;
    else if (own.startsWith('<Value>', a)) {
      const lt = own.indexOf('<', a + 7);
      if (!own.startsWith('</Value>', lt)) return undefined;
      text = leafText(own.slice(a + 7, lt), this.#start + a + 7);
      a = lt + 8;
    } else return undefined;
    while (isSpace(own.charCodeAt(a))) a++;
    return own.startsWith('</String>', a) ? text : undefined;
  }

  /** `<Tags>…</Tags>` or `<Tags/>` once in the entry's own part, or none: the tags, split as the reader splits them. */
  peekTags(): string[] | undefined {
    const own = this.#own;
    const t = own.indexOf('<Tags', this.#body);
    if (t === -1) return [];
    if (own.indexOf('<Tags', t + 5) !== -1) return undefined;
    if (own.startsWith('<Tags/>', t)) return [];
    if (!own.startsWith('<Tags>', t)) return undefined;
    const lt = own.indexOf('<', t + 6);
    if (!own.startsWith('</Tags>', lt)) return undefined;
    return this.#ctx.splitTags(leafText(own.slice(t + 6, lt), this.#start + t + 6));
  }

  wipe(): void {
    this.#pads.fill(0);
  }
}
