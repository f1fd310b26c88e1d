/**
 * Password encodings KeePass 1 used: Windows-1252 first, then Latin-1 and
 * UTF-8 as KeePassXC retries (docs/kdbx.md §11). Characters a code page
 * cannot hold become '?', as Qt's codecs do.
 */
import { secureAlloc } from '../../secret/index.js';

// Windows-1252 bytes 0x80–0x9F (Unicode.org cp1252.txt); the rest of 0x00–0xFF is Latin-1.
const HIGH: Record<number, number> = {
  0x20ac: 0x80, 0x201a: 0x82, 0x0192: 0x83, 0x201e: 0x84, 0x2026: 0x85, 0x2020: 0x86, 0x2021: 0x87,
  0x02c6: 0x88, 0x2030: 0x89, 0x0160: 0x8a, 0x2039: 0x8b, 0x0152: 0x8c, 0x017d: 0x8e, 0x2018: 0x91,
  0x2019: 0x92, 0x201c: 0x93, 0x201d: 0x94, 0x2022: 0x95, 0x2013: 0x96, 0x2014: 0x97, 0x02dc: 0x98,
  0x2122: 0x99, 0x0161: 0x9a, 0x203a: 0x9b, 0x0153: 0x9c, 0x017e: 0x9e, 0x0178: 0x9f,
};
const UNDEFINED_IN_1252 = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d]);

/** A code point's Windows-1252 byte ('?' for none, as Qt's codec). */
function cp1252Byte(cp: number): number {
  if (cp < 0x80 || (cp >= 0xa0 && cp <= 0xff) || UNDEFINED_IN_1252.has(cp)) return cp;
  return HIGH[cp] ?? 0x3f;
}

const latin1Byte = (cp: number): number => (cp <= 0xff ? cp : 0x3f);

export function encodeCp1252(text: string): Uint8Array {
  return Uint8Array.from([...text], (ch) => cp1252Byte(ch.codePointAt(0)!));
}

/**
 * The code points of UTF-8 bytes, decoded as Node's Buffer#toString('utf8')
 * does (the WHATWG decoder: each maximal invalid subpart becomes one U+FFFD),
 * into an off-heap array the caller wipes: a password never becomes a string.
 */
function decodeUtf8CodePoints(bytes: Uint8Array): Uint32Array {
  const out = new Uint32Array(new ArrayBuffer(Math.max(4 * bytes.length, 68)), 0, bytes.length);
  let n = 0;
  let cp = 0;
  let needed = 0;
  let seen = 0;
  let lower = 0x80;
  let upper = 0xbf;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (needed === 0) {
      if (b <= 0x7f) out[n++] = b;
      else if (b >= 0xc2 && b <= 0xdf) [needed, cp] = [1, b & 0x1f];
      else if (b >= 0xe0 && b <= 0xef) {
        if (b === 0xe0) lower = 0xa0;
        if (b === 0xed) upper = 0x9f;
        [needed, cp] = [2, b & 0xf];
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b === 0xf0) lower = 0x90;
        if (b === 0xf4) upper = 0x8f;
        [needed, cp] = [3, b & 0x7];
      } else out[n++] = 0xfffd;
      continue;
    }
    if (b < lower || b > upper) {
      // The sequence ends here: one U+FFFD for it, and this byte starts afresh.
      cp = needed = seen = 0;
      lower = 0x80;
      upper = 0xbf;
      out[n++] = 0xfffd;
      i--;
      continue;
    }
    lower = 0x80;
    upper = 0xbf;
    cp = (cp << 6) | (b & 0x3f);
    if (++seen === needed) {
      out[n++] = cp;
      cp = needed = seen = 0;
    }
  }
  if (needed) out[n++] = 0xfffd;
  cp = 0;
  return out.subarray(0, n);
}

function encodeUtf8CodePoint(cp: number, into: Uint8Array, at: number): number {
  if (cp < 0x80) {
    into[at] = cp;
    return 1;
  }
  if (cp < 0x800) {
    into[at] = 0xc0 | (cp >> 6);
    into[at + 1] = 0x80 | (cp & 0x3f);
    return 2;
  }
  if (cp < 0x10000) {
    into[at] = 0xe0 | (cp >> 12);
    into[at + 1] = 0x80 | ((cp >> 6) & 0x3f);
    into[at + 2] = 0x80 | (cp & 0x3f);
    return 3;
  }
  into[at] = 0xf0 | (cp >> 18);
  into[at + 1] = 0x80 | ((cp >> 12) & 0x3f);
  into[at + 2] = 0x80 | ((cp >> 6) & 0x3f);
  into[at + 3] = 0x80 | (cp & 0x3f);
  return 4;
}

/**
 * The distinct byte forms of a password to try, in KeePassXC's order
 * (Windows-1252, Latin-1, UTF-8), from the UTF-8 bytes it was typed as;
 * each in an off-heap buffer the caller wipes. Invalid UTF-8 is read as
 * U+FFFD, as the text it once became was.
 */
export function passwordCandidates(utf8: Uint8Array): Uint8Array[] {
  const cps = decodeUtf8CodePoints(utf8);
  try {
    const cp1252 = secureAlloc(cps.length);
    const latin1 = secureAlloc(cps.length);
    const utf8Again = secureAlloc(4 * cps.length);
    let len = 0;
    for (let i = 0; i < cps.length; i++) {
      cp1252[i] = cp1252Byte(cps[i]);
      latin1[i] = latin1Byte(cps[i]);
      len += encodeUtf8CodePoint(cps[i], utf8Again, len);
    }
    const out: Uint8Array[] = [];
    for (const b of [cp1252, latin1, utf8Again.subarray(0, len)]) {
      if (out.some((o) => o.length === b.length && o.every((x, i) => x === b[i]))) b.fill(0);
      else out.push(b);
    }
    return out;
  } finally {
    cps.fill(0);
  }
}
