/** UUIDs in the model: 32 lowercase hex characters (the XML form is in ../format/uuid.ts). */
import { randomUUID } from 'node:crypto';

export const ZERO_UUID = '00000000000000000000000000000000';

/** A random (version 4) UUID, as KeePassXC makes them; node buffers its entropy, where randomBytes(16) made a syscall per UUID. */
export function newUuid(): string {
  return randomUUID().replace(/-/g, '');
}

/**
 * The form every `--json` output uses: RFC 4122's 8-4-4-4-12 lowercase hex,
 * as pykeepass prints it and keepassxc-cli shows it inside braces.
 */
export function uuidText(hex: string): string {
  return hex.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
}
