/** UUIDs: 32 lowercase hex characters in the model, base64 of 16 bytes in XML, in RFC 4122 byte order (docs/kdbx.md §3, §9). */
import { randomUUID } from 'node:crypto';

export const ZERO_UUID = '00000000000000000000000000000000';

/** A random (version 4) UUID, as KeePassXC makes them; node buffers its entropy, where randomBytes(16) made a syscall per UUID. */
export function newUuid(): string {
  return randomUUID().replace(/-/g, '');
}

// Read by hand in the canonical form (every entry, group and history version
// has a UUID: two Buffers per UUID took ~16 ms per 30k cold, this ~9 ms);
// anything else goes through Buffer, whose lenient decoding is what
// KeePassXC-compatible reading relies on. (Writing by hand was slower.)
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_VALUE[B64.charCodeAt(i)] = i;
const HEX = '0123456789abcdef';
const codes: number[] = new Array(32);

/** base64 → hex; undefined when the value is not 16 bytes. */
export function uuidFromBase64(b64: string | undefined): string | undefined {
  if (!b64) return undefined;
  if (b64.length === 24 && b64.charCodeAt(22) === 61 && b64.charCodeAt(23) === 61) {
    let acc = 0;
    let bits = 0;
    let o = 0;
    for (let i = 0; i < 22; i++) {
      const c = b64.charCodeAt(i);
      const v = c < 128 ? B64_VALUE[c] : -1;
      if (v < 0) return viaBuffer(b64);
      acc = ((acc & 0xffff) << 6) | v;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        const byte = (acc >> bits) & 255;
        codes[o++] = HEX.charCodeAt(byte >> 4);
        codes[o++] = HEX.charCodeAt(byte & 15);
      }
    }
    return String.fromCharCode(...codes);
  }
  return viaBuffer(b64);
}

function viaBuffer(b64: string): string | undefined {
  const b = Buffer.from(b64, 'base64');
  return b.length === 16 ? b.toString('hex') : undefined;
}

export function uuidToBase64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

/**
 * The form every `--json` output uses: RFC 4122's 8-4-4-4-12 lowercase hex,
 * as pykeepass prints it and keepassxc-cli shows it inside braces.
 */
export function uuidText(hex: string): string {
  return hex.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
}

/** Accepts hex (with or without dashes or braces, any case) or base64; returns hex or undefined. */
export function parseUuidInput(text: string): string | undefined {
  const hex = text.replace(/^\{(.*)\}$/, '$1').replace(/-/g, '').toLowerCase();
  if (/^[0-9a-f]{32}$/.test(hex)) return hex;
  if (/^[A-Za-z0-9+/]{22}==$/.test(text)) return uuidFromBase64(text);
  return undefined;
}
