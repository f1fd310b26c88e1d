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
import { type Entry, type EntrySource, Entry as EntryClass, type Times, uuidFromBase64 } from '../model/index.js';

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
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const isSpace = (c: number) => c === 32 || c === 10 || c === 9 || c === 13;

function count(xml: string, what: string, from: number, to: number): number {
  let n = 0;
  for (let i = xml.indexOf(what, from); i !== -1 && i < to; i = xml.indexOf(what, i + what.length)) n++;
  return n;
}

/** Finds the end of the <Entry> whose body starts at `from` (its history entries nest): the index after its end tag. */
function entryEnd(xml: string, from: number): number {
  let depth = 1;
  let i = from;
  for (;;) {
    const close = xml.indexOf(ENTRY_CLOSE, i);
    if (close === -1) return -1;
    depth += count(xml, ENTRY_OPEN, i, close) - 1;
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
  const body = cur.position;
  const end = entryEnd(xml, body);
  if (end === -1) return undefined;
  // Markup the counting above cannot see through, or tags it would miscount: read it now.
  if (count(xml, '<!', body, end) || count(xml, '<?', body, end)) return undefined;
  if (count(xml, '<Entry', body, end) !== count(xml, ENTRY_OPEN, body, end)) return undefined;
  if (count(xml, '</Entry', body, end) !== count(xml, ENTRY_CLOSE, body, end)) return undefined;
  const own = ownPart(xml, body, end);
  if (!own) return undefined;
  const uuid = onlyUuid(xml, body, own.end);
  if (!uuid) return undefined;
  const lengths = protectedLengths(xml, body, end);
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
  const entry = EntryClass.fromSource(uuid, ctx.unread, new SkimmedEntry(xml, start, body, own.end, end, pads, uuid, ctx));
  ctx.claim(uuid, entry);
  cur.skipTo(end);
  return entry;
}

/** The entry's own part (its history excluded): <History> must be its last child. */
function ownPart(xml: string, body: number, end: number): { end: number } | undefined {
  const closeTag = end - ENTRY_CLOSE.length;
  const h = xml.indexOf('<History', body);
  if (h === -1 || h >= closeTag) return { end: closeTag };
  if (xml.startsWith('<History/>', h)) {
    let i = h + 10;
    while (isSpace(xml.charCodeAt(i))) i++;
    return i === closeTag ? { end: h } : undefined;
  }
  if (!xml.startsWith('<History>', h)) return undefined;
  const hEnd = xml.lastIndexOf('</History>', closeTag);
  if (hEnd < h) return undefined;
  let i = hEnd + 10;
  while (isSpace(xml.charCodeAt(i))) i++;
  return i === closeTag ? { end: h } : undefined;
}

/** The entry's UUID when its own part holds exactly one plain <UUID>…</UUID> that is valid. */
function onlyUuid(xml: string, from: number, to: number): string | undefined {
  const at = xml.indexOf('<UUID', from);
  if (at === -1 || at >= to || count(xml, '<UUID', at + 5, to)) return undefined;
  if (!xml.startsWith('<UUID>', at)) return undefined;
  const close = xml.indexOf('<', at + 6);
  if (!xml.startsWith('</UUID>', close)) return undefined;
  return uuidFromBase64(xml.slice(at + 6, close).trim());
}

/**
 * Decoded lengths of every protected value in document order, or undefined
 * when any "Protected" in the entry is not such a value (then the reader
 * decides, on open).
 */
function protectedLengths(xml: string, from: number, to: number): number[] | undefined {
  const out: number[] = [];
  for (let i = xml.indexOf('Protected', from); i !== -1 && i < to; i = xml.indexOf('Protected', i + 9)) {
    const tag = i - 7;
    if (!xml.startsWith(PROTECTED_VALUE, tag)) return undefined;
    const textStart = tag + PROTECTED_VALUE.length;
    const lt = xml.indexOf('<', textStart);
    if (!xml.startsWith('</Value>', lt)) return undefined;
    const text = xml.slice(textStart, lt).trim();
    if (!BASE64.test(text)) return undefined;
    out.push(text.length === 0 ? 0 : (text.length / 4) * 3 - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0));
  }
  return out;
}

class SkimmedEntry implements EntrySource {
  readonly #xml: string;
  readonly #start: number;
  readonly #body: number;
  readonly #ownEnd: number;
  readonly #end: number;
  readonly #pads: Uint8Array;
  readonly #uuid: string;
  readonly #ctx: LazyContext;

  constructor(xml: string, start: number, body: number, ownEnd: number, end: number, pads: Uint8Array, uuid: string, ctx: LazyContext) {
    this.#xml = xml;
    this.#start = start;
    this.#body = body;
    this.#ownEnd = ownEnd;
    this.#end = end;
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
      const entry = this.#ctx.readEntry(this.#xml.slice(this.#start, this.#end), take);
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
    const xml = this.#xml;
    const key = `<Key>${name}</Key>`;
    const k = xml.indexOf(key, this.#body);
    if (k === -1 || k >= this.#ownEnd) return undefined;
    const again = xml.indexOf(key, k + key.length);
    if (again !== -1 && again < this.#ownEnd) return undefined;
    let b = k;
    while (isSpace(xml.charCodeAt(b - 1))) b--;
    if (!xml.startsWith('<String>', b - 8)) return undefined;
    let a = k + key.length;
    while (isSpace(xml.charCodeAt(a))) a++;
    let text = '';
    if (xml.startsWith('<Value/>', a)) a += 8;
    else if (xml.startsWith('<Value>', a)) {
      const lt = xml.indexOf('<', a + 7);
      if (!xml.startsWith('</Value>', lt)) return undefined;
      text = leafText(xml.slice(a + 7, lt), a + 7);
      a = lt + 8;
    } else return undefined;
    while (isSpace(xml.charCodeAt(a))) a++;
    return xml.startsWith('</String>', a) ? text : undefined;
  }

  /** `<Tags>…</Tags>` or `<Tags/>` once in the entry's own part, or none: the tags, split as the reader splits them. */
  peekTags(): string[] | undefined {
    const xml = this.#xml;
    const t = xml.indexOf('<Tags', this.#body);
    if (t === -1 || t >= this.#ownEnd) return [];
    const again = xml.indexOf('<Tags', t + 5);
    if (again !== -1 && again < this.#ownEnd) return undefined;
    if (xml.startsWith('<Tags/>', t)) return [];
    if (!xml.startsWith('<Tags>', t)) return undefined;
    const lt = xml.indexOf('<', t + 6);
    if (!xml.startsWith('</Tags>', lt)) return undefined;
    return this.#ctx.splitTags(leafText(xml.slice(t + 6, lt), t + 6));
  }

  wipe(): void {
    this.#pads.fill(0);
  }
}
