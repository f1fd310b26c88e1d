/**
 * A Pwned Passwords SHA-1 file "ordered by hash" (lines `HASH:COUNT`, 40
 * upper-case hex digits, CRLF or LF), searched in place: an interpolation
 * search over byte offsets with positioned reads (see count()), about eight
 * reads of 256 bytes and one of 4 KiB per password — milliseconds on a
 * 35 GB file that is never loaded. (keepassxc-cli analyze --hibp reads the whole
 * file line by line.) The file "ordered by prevalence" cannot be searched
 * this way; it is recognised and refused.
 */
import { closeSync, readSync } from 'node:fs';
import { CorruptFileError } from '../errors/index.js';
import { openForRead } from '../config/index.js';

const PROBE = 128; // longer than any line (40 + 1 + up to 10 digits + CRLF)
const WINDOW = 4096;
const LINE = /^[0-9A-Fa-f]{40}:\d+\r?$/;
/** The first 13 hex digits (52 bits, exact in a double) of a hash, for interpolation. */
const keyOf = (hash: string): number => Number.parseInt(hash.slice(0, 13), 16);
const KEY_SPACE = 16 ** 13;

export class HibpFile {
  readonly size: number;
  /** Positioned reads so far (for the tests and the benchmark). */
  reads = 0;
  #fd: number;
  /** Average line length in bytes, from the lines #check samples. */
  #lineLength = 46;
  #buf = Buffer.alloc(WINDOW + 2 * PROBE);

  private constructor(fd: number, size: number) {
    this.#fd = fd;
    this.size = size;
  }

  /** Open and check the file: the right format, and ordered by hash (a sample of lines). */
  static open(path: string): HibpFile {
    const { fd, stat } = openForRead(path, { follow: true, what: 'Pwned Passwords file' });
    const f = new HibpFile(fd, stat.size);
    try {
      f.#check(path);
    } catch (e) {
      f.close();
      throw e;
    }
    return f;
  }

  #read(pos: number, len: number): Buffer {
    this.reads++;
    const n = readSync(this.#fd, this.#buf, 0, Math.min(len, this.#buf.length), pos);
    return this.#buf.subarray(0, n);
  }

  /** The first whole line starting at or after `pos`: its hash (upper case) and where it starts and ends. One read. */
  #lineFrom(pos: number): { hash: string; count: number; start: number; end: number } | undefined {
    // From the byte before `pos`: the first newline found ends the line `pos` falls in (or the one before it).
    const from = pos > 0 ? pos - 1 : 0;
    const b = this.#read(from, 2 * PROBE);
    let i = 0;
    if (pos > 0) {
      const nl = b.indexOf(0x0a);
      if (nl === -1) return undefined;
      i = nl + 1;
    }
    const start = from + i;
    if (start >= this.size) return undefined;
    const nl = b.indexOf(0x0a, i);
    const text = b.toString('latin1', i, nl === -1 ? b.length : nl);
    return { hash: text.slice(0, 40).toUpperCase(), count: Number(text.slice(41).trim()), start, end: nl === -1 ? this.size : from + nl + 1 };
  }

  #check(path: string): void {
    const first = this.#lineFrom(0);
    const firstText = first && this.#read(0, PROBE).toString('latin1').split('\n')[0];
    if (!first || !firstText || !LINE.test(firstText)) {
      throw new CorruptFileError(`${path} is not a Pwned Passwords SHA-1 file (lines of HASH:COUNT); download the SHA-1 file ordered by hash`);
    }
    // A file ordered by prevalence has its hashes in no order: a few lines across the file tell.
    let prev = '';
    let bytes = 0;
    let lines = 0;
    for (let i = 0; i <= 16; i++) {
      const line = this.#lineFrom(Math.floor((this.size * i) / 17));
      if (!line) break;
      bytes += line.end - line.start;
      lines++;
      if (!/^[0-9A-F]{40}$/.test(line.hash)) throw new CorruptFileError(`${path} has a line that is not HASH:COUNT near byte ${line.start}`);
      if (line.hash < prev) throw new CorruptFileError(`${path} is not ordered by hash (it may be the file ordered by prevalence); download the SHA-1 file ordered by hash`);
      prev = line.hash;
    }
    if (lines) this.#lineLength = bytes / lines;
  }

  /**
   * How often the password with this SHA-1 (hex) was seen in breaches; 0 when never.
   *
   * SHA-1 values are spread evenly, so a hash's place in the file is about its
   * value: each round probes where the target should be between the bounds
   * known so far, then a few standard deviations of that guess away on the
   * other side of the target, which brackets it — a 35 GB file narrows to a
   * 4 KiB window in three or four rounds (interpolation search). A round that
   * does not halve the range is followed by a plain bisection, so the worst
   * case stays that of a binary search.
   */
  count(sha1Hex: string): number {
    const target = sha1Hex.toUpperCase();
    const t = keyOf(target);
    // Invariants: lo is the start of a line and every line before it sorts below the target;
    // the target, if present, starts in [lo, hi); every line in [lo, hi) has a key in [loKey, hiKey].
    let lo = 0;
    let hi = this.size;
    let loKey = 0;
    let hiKey = KEY_SPACE;
    const probe = (pos: number): number | undefined => {
      const line = this.#lineFrom(pos);
      if (!line || line.start >= hi) hi = pos;
      else if (line.hash === target) return line.count;
      else if (line.hash < target) {
        lo = line.end;
        loKey = keyOf(line.hash);
      } else {
        hi = line.start;
        hiKey = keyOf(line.hash);
      }
      return undefined;
    };
    while (hi - lo > WINDOW) {
      const before = hi - lo;
      const frac = hiKey > loKey ? Math.min(1, Math.max(0, (t - loKey) / (hiKey - loKey))) : 0.5;
      const guess = Math.min(hi - 1, lo + Math.floor(before * frac));
      const slack = Math.max(WINDOW >> 1, Math.ceil(4 * Math.sqrt(before / this.#lineLength) * this.#lineLength));
      const loBefore = lo;
      let found = probe(guess);
      if (found !== undefined) return found;
      if (hi - lo > WINDOW) {
        if (lo !== loBefore && lo + slack < hi) found = probe(lo + slack);
        else if (lo === loBefore && hi - slack > lo) found = probe(hi - slack);
        if (found !== undefined) return found;
      }
      if (hi - lo > WINDOW && hi - lo > before / 2) {
        found = probe(lo + Math.floor((hi - lo) / 2));
        if (found !== undefined) return found;
      }
    }
    const text = this.#read(lo, hi - lo + PROBE).toString('latin1');
    for (const line of text.split('\n')) {
      const hash = line.slice(0, 40).toUpperCase();
      if (hash === target && line.length > 41) return Number(line.slice(41).trim());
      if (hash > target) break;
    }
    return 0;
  }

  close(): void {
    closeSync(this.#fd);
  }
}
