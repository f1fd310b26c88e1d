/**
 * A Pwned Passwords SHA-1 file "ordered by hash" (lines `HASH:COUNT`, 40
 * upper-case hex digits, CRLF or LF), searched in place: a binary search
 * over byte offsets with positioned reads, about log2(size / 4 KiB) reads
 * of 256 bytes and one of 4 KiB per password — milliseconds on a 35 GB
 * file that is never loaded. (keepassxc-cli analyze --hibp reads the whole
 * file line by line.) The file "ordered by prevalence" cannot be searched
 * this way; it is recognised and refused.
 */
import { closeSync, readSync } from 'node:fs';
import { CorruptFileError } from '../errors/index.js';
import { openForRead } from '../config/index.js';

const PROBE = 128; // longer than any line (40 + 1 + up to 10 digits + CRLF)
const WINDOW = 4096;
const LINE = /^[0-9A-Fa-f]{40}:\d+\r?$/;

export class HibpFile {
  readonly size: number;
  /** Positioned reads so far (for the tests and the benchmark). */
  reads = 0;
  #fd: number;
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
    for (let i = 0; i <= 16; i++) {
      const line = this.#lineFrom(Math.floor((this.size * i) / 17));
      if (!line) break;
      if (!/^[0-9A-F]{40}$/.test(line.hash)) throw new CorruptFileError(`${path} has a line that is not HASH:COUNT near byte ${line.start}`);
      if (line.hash < prev) throw new CorruptFileError(`${path} is not ordered by hash (it may be the file ordered by prevalence); download the SHA-1 file ordered by hash`);
      prev = line.hash;
    }
  }

  /** How often the password with this SHA-1 (hex) was seen in breaches; 0 when never. */
  count(sha1Hex: string): number {
    const target = sha1Hex.toUpperCase();
    let lo = 0; // always the start of a line; the target, if present, starts in [lo, hi]
    let hi = this.size;
    while (hi - lo > WINDOW) {
      const line = this.#lineFrom(lo + Math.floor((hi - lo) / 2));
      if (!line || line.start >= hi) {
        hi = lo + Math.floor((hi - lo) / 2);
        continue;
      }
      if (line.hash === target) return line.count;
      if (line.hash < target) lo = line.end;
      else hi = line.start;
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
