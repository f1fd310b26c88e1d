// Pwned Passwords files for tests and the benchmark: the format of the SHA-1
// file "ordered by hash" (HASH:COUNT, upper-case hex, CRLF), made fast from a
// seeded generator, with chosen hashes placed at their sorted positions.
import { closeSync, openSync, writeSync } from 'node:fs';

const HEX_CODES = Buffer.from('0123456789ABCDEF', 'latin1');

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Writes `lines` random lines plus every hash of `include` (hash → count) to
 * `path`, sorted by hash. Each generated line's first 32 bits rise strictly
 * with its index, so no sort is needed. Returns the bytes written.
 */
export function writeHibpFile(path, { lines, seed = 1, include = new Map() }) {
  const rand = mulberry32(seed);
  const extra = [...include.entries()].map(([h, c]) => [h.toUpperCase(), c, Buffer.from(h.toUpperCase(), 'latin1')]).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const step = Math.floor(2 ** 32 / lines);
  if (step < 1) throw new Error('too many lines for this generator');
  const fd = openSync(path, 'w', 0o600);
  const buf = Buffer.alloc(1 << 20);
  let used = 0;
  let total = 0;
  const flush = () => {
    writeSync(fd, buf, 0, used);
    total += used;
    used = 0;
  };
  const emit = (line) => {
    if (used + line.length > buf.length) flush();
    used += buf.write(line, used, 'latin1');
  };
  let x = 0;
  const hex = Buffer.alloc(40);
  for (let i = 0; i < lines; i++) {
    let top = (Math.floor((i * 2 ** 32) / lines) + Math.floor(rand() * step)) >>> 0;
    for (let k = 7; k >= 0; k--) {
      hex[k] = HEX_CODES[top & 15];
      top >>>= 4;
    }
    // 32 more hex digits from 4 draws of 32 bits.
    for (let k = 8; k < 40; k += 8) {
      let r = (rand() * 4294967296) >>> 0;
      for (let j = 7; j >= 0; j--) {
        hex[k + j] = HEX_CODES[r & 15];
        r >>>= 4;
      }
    }
    while (x < extra.length && Buffer.compare(extra[x][2], hex) <= 0) {
      emit(`${extra[x][0]}:${extra[x][1]}\r\n`);
      x++;
    }
    if (used + 64 > buf.length) flush();
    hex.copy(buf, used);
    used += 40;
    used += buf.write(`:${1 + ((rand() * 100000) | 0)}\r\n`, used, 'latin1');
  }
  for (; x < extra.length; x++) emit(`${extra[x][0]}:${extra[x][1]}\r\n`);
  flush();
  closeSync(fd);
  return total;
}
