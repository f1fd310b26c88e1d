/**
 * Keys derived from the master seed and the transformed key (docs/kdbx.md §5):
 * cipher key = SHA-256(seed ‖ T); HMAC base = SHA-512(seed ‖ T ‖ 0x01);
 * block i key = SHA-512(u64le(i) ‖ base); header key uses i = 2^64 − 1.
 */
import { createHash, createHmac, hash } from 'node:crypto';
import { u64le } from './bytes.js';

/**
 * One-shot digest of the parts, the input buffer zeroed after: a createHash()
 * object keeps its last partial block (here: the transformed key) in OpenSSL
 * memory until the garbage collector frees it, long after an agent's lock.
 * The input lives in its own ArrayBuffer, outside the JS heap: V8 keeps typed
 * arrays of up to 64 bytes made with `new Uint8Array(n)` (Buffer.alloc too)
 * inside the heap, where a garbage collection may move them and leave the old
 * copy behind, so the zeroing misses it (seen on Node 26: seed ‖ key found in
 * the agent's memory after a lock).
 */
function digestOnce(algorithm: 'sha256' | 'sha512', ...parts: Uint8Array[]): Uint8Array {
  const input = new Uint8Array(new ArrayBuffer(parts.reduce((n, p) => n + p.length, 0)));
  let off = 0;
  for (const p of parts) {
    input.set(p, off);
    off += p.length;
  }
  try {
    return new Uint8Array(hash(algorithm, input, 'buffer'));
  } finally {
    input.fill(0);
  }
}

export const HEADER_BLOCK_INDEX = 0xffffffffffffffffn;

export function cipherKey(masterSeed: Uint8Array, transformed: Uint8Array): Uint8Array {
  return digestOnce('sha256', masterSeed, transformed);
}

export function hmacBaseKey(masterSeed: Uint8Array, transformed: Uint8Array): Uint8Array {
  return digestOnce('sha512', masterSeed, transformed, Uint8Array.of(1));
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
