/**
 * Keys derived from the master seed and the transformed key (KDBX-NOTES §5):
 * cipher key = SHA-256(seed ‖ T); HMAC base = SHA-512(seed ‖ T ‖ 0x01);
 * block i key = SHA-512(u64le(i) ‖ base); header key uses i = 2^64 − 1.
 */
import { createHash, createHmac } from 'node:crypto';
import { u64le } from './bytes.js';

export const HEADER_BLOCK_INDEX = 0xffffffffffffffffn;

export function cipherKey(masterSeed: Uint8Array, transformed: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(masterSeed).update(transformed).digest());
}

export function hmacBaseKey(masterSeed: Uint8Array, transformed: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha512').update(masterSeed).update(transformed).update(Uint8Array.of(1)).digest());
}

export function blockHmacKey(base: Uint8Array, index: bigint): Uint8Array {
  return new Uint8Array(createHash('sha512').update(u64le(index)).update(base).digest());
}

export function headerHmac(base: Uint8Array, header: Uint8Array): Uint8Array {
  const key = blockHmacKey(base, HEADER_BLOCK_INDEX);
  const mac = createHmac('sha256', key).update(header).digest();
  key.fill(0);
  return new Uint8Array(mac);
}
