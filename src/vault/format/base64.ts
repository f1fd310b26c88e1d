/**
 * Base64 as KDBX XML holds bytes: RFC 4648's standard alphabet with `=`
 * padding and no line breaks (docs/kdbx.md §3 UUIDs, §9 times and protected values).
 * UUIDs and times are decoded by hand here: a 10k-entry vault has ~30k UUIDs
 * and ~50k times, and going through Buffer cost ~1 µs each.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const SEXTET = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) SEXTET[ALPHABET.charCodeAt(i)] = i;

/** Well-formed padded base64 (what KDBX writers produce), possibly empty. */
export const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The number of bytes of well-formed padded base64 text (see BASE64). */
export function decodedLength(text: string): number {
  if (text.length === 0) return 0;
  return (text.length / 4) * 3 - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0);
}

/**
 * Decodes `text` into `out` when it is the padded base64 of exactly
 * `out.length` bytes: the alphabet's characters, then `=` up to a multiple
 * of four. Any other text (line breaks, URL-safe characters, another length)
 * gives false, and the caller decides (Buffer's lenient decoding, or no
 * value). Bits past the last byte are ignored, as Buffer ignores them.
 */
export function decodeBase64Into(text: string, out: Uint8Array): boolean {
  const n = out.length;
  const chars = ((n * 8 + 5) / 6) | 0;
  const total = (((n + 2) / 3) | 0) * 4;
  if (text.length !== total) return false;
  for (let i = chars; i < total; i++) if (text.charCodeAt(i) !== 61 /* = */) return false;
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < chars; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? SEXTET[c] : -1;
    if (v < 0) return false;
    acc = ((acc & 0xffff) << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = acc >> bits;
    }
  }
  return true;
}

/** Padded base64 of `bytes`, by hand (for the few bytes of a time, cheaper than a Buffer). */
export function encodeBase64(bytes: Uint8Array): string {
  let out = '';
  const whole = bytes.length - (bytes.length % 3);
  for (let i = 0; i < whole; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += ALPHABET[v >>> 18] + ALPHABET[(v >>> 12) & 63] + ALPHABET[(v >>> 6) & 63] + ALPHABET[v & 63];
  }
  const rest = bytes.length - whole;
  if (rest === 1) {
    const v = bytes[whole] << 16;
    out += ALPHABET[v >>> 18] + ALPHABET[(v >>> 12) & 63] + '==';
  } else if (rest === 2) {
    const v = (bytes[whole] << 16) | (bytes[whole + 1] << 8);
    out += ALPHABET[v >>> 18] + ALPHABET[(v >>> 12) & 63] + ALPHABET[(v >>> 6) & 63] + '=';
  }
  return out;
}
