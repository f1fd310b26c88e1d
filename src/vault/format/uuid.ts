/** UUIDs in the XML: base64 of their 16 bytes in RFC 4122 byte order; the model keeps 32 lowercase hex digits (docs/kdbx.md §3, §9). */
import { decodeBase64Into } from './base64.js';

const HEX_CODES = [...'0123456789abcdef'].map((c) => c.charCodeAt(0));
const uuidBytes = new Uint8Array(16);
const codes: number[] = new Array(32);

/**
 * base64 → hex; undefined when the value is not 16 bytes. The canonical form
 * is read by hand (every entry, group and history version has a UUID: two
 * Buffers per UUID took ~16 ms per 30k cold); anything else goes through
 * Buffer, whose lenient decoding is what KeePassXC-compatible reading relies on.
 */
export function uuidFromBase64(b64: string | undefined): string | undefined {
  if (!b64) return undefined;
  if (!decodeBase64Into(b64, uuidBytes)) return viaBuffer(b64);
  for (let i = 0; i < 16; i++) {
    const byte = uuidBytes[i];
    codes[2 * i] = HEX_CODES[byte >> 4];
    codes[2 * i + 1] = HEX_CODES[byte & 15];
  }
  return String.fromCharCode(...codes);
}

function viaBuffer(b64: string): string | undefined {
  const b = Buffer.from(b64, 'base64');
  return b.length === 16 ? b.toString('hex') : undefined;
}

/** hex → base64 (through Buffer: by hand it was slower). */
export function uuidToBase64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

/** What a user may type for a UUID: hex (with or without dashes or braces, any case) or base64; returns hex or undefined. */
export function parseUuidInput(text: string): string | undefined {
  const hex = text.replace(/^\{(.*)\}$/, '$1').replace(/-/g, '').toLowerCase();
  if (/^[0-9a-f]{32}$/.test(hex)) return hex;
  if (/^[A-Za-z0-9+/]{22}==$/.test(text)) return uuidFromBase64(text);
  return undefined;
}
