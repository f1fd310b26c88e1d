/** UUIDs: 32 lowercase hex characters in the model, base64 of 16 bytes in XML. */
import { randomBytes } from 'node:crypto';

export const ZERO_UUID = '00000000000000000000000000000000';

export function newUuid(): string {
  return randomBytes(16).toString('hex');
}

/** base64 → hex; undefined when the value is not 16 bytes. */
export function uuidFromBase64(b64: string | undefined): string | undefined {
  if (!b64) return undefined;
  const b = Buffer.from(b64, 'base64');
  return b.length === 16 ? b.toString('hex') : undefined;
}

export function uuidToBase64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

/** Accepts hex (with or without dashes, any case) or base64; returns hex or undefined. */
export function parseUuidInput(text: string): string | undefined {
  const hex = text.replace(/-/g, '').toLowerCase();
  if (/^[0-9a-f]{32}$/.test(hex)) return hex;
  if (/^[A-Za-z0-9+/]{22}==$/.test(text)) return uuidFromBase64(text);
  return undefined;
}
