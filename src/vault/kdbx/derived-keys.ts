/**
 * Keys derived from the master seed and the transformed key (docs/kdbx.md §5):
 * cipher key = SHA-256(seed ‖ T); HMAC base = SHA-512(seed ‖ T ‖ 0x01);
 * block i key = SHA-512(u64le(i) ‖ base); header key uses i = 2^64 − 1.
 */
import { createHmac } from 'node:crypto';
import { secretDigest } from '../../secret/index.js';
import { u64le } from './bytes.js';

/**
 * Each key is a one-shot digest with input and output off the JS heap
 * (secretDigest): a createHash() object keeps its last partial block (here:
 * the transformed key) in OpenSSL memory until the garbage collector frees
 * it, long after an agent's lock; and V8 keeps typed arrays of up to 64 bytes
 * made with `new Uint8Array(n)` (Buffer.alloc, Uint8Array.from too) inside
 * the heap, where a collection may move them and leave the old copy behind,
 * so the zeroing misses it (seen on Node 26: seed ‖ key found in the agent's
 * memory after a lock). The caller wipes each key it gets.
 */
export const HEADER_BLOCK_INDEX = 0xffffffffffffffffn;

export function cipherKey(masterSeed: Uint8Array, transformed: Uint8Array): Uint8Array {
  return secretDigest('sha256', masterSeed, transformed);
}

export function hmacBaseKey(masterSeed: Uint8Array, transformed: Uint8Array): Uint8Array {
  return secretDigest('sha512', masterSeed, transformed, Uint8Array.of(1));
}

export function blockHmacKey(base: Uint8Array, index: bigint): Uint8Array {
  return secretDigest('sha512', u64le(index), base);
}

export function headerHmac(base: Uint8Array, header: Uint8Array): Uint8Array {
  const key = blockHmacKey(base, HEADER_BLOCK_INDEX);
  const mac = createHmac('sha256', key).update(header).digest();
  key.fill(0);
  return new Uint8Array(mac);
}
