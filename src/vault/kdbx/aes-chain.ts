/**
 * The AES-KDF chain (docs/kdbx.md §5): E^rounds(block) under AES-256 `key`.
 * The one implementation, run on this thread for small round counts and in
 * the chain worker (aes-kdf-worker.ts) for large ones.
 *
 * Native speed without a per-round JS loop: AES-256-CBC over N zero blocks
 * with IV = block yields c_k = E(c_{k-1} ⊕ 0), so the last block is E^N(block).
 */
import { createCipheriv } from 'node:crypto';
import { secureAlloc, wipe } from '../../secret/leaf.js';

/**
 * Blocks per cipher call, as bytes. Each call returns a fresh output buffer;
 * at 1 MiB it is above malloc's mmap threshold and goes back to the system
 * when freed, where 64 KiB ones stayed in the thread's malloc arena and
 * raised the peak RSS of the parse that follows (~6 MiB measured).
 */
const CHUNK = 1024 * 1024;
let zero: Buffer | undefined;

/**
 * E^rounds(block) under AES-256 `key`; blocking, bounded memory.
 * `afterChunk` runs after each cipher call (the worker uses it to nudge its GC).
 */
export function aesChain(key: Uint8Array, block: Uint8Array, rounds: bigint, afterChunk?: () => void): Uint8Array {
  const cipher = createCipheriv('aes-256-cbc', key, block);
  cipher.setAutoPadding(false);
  zero ??= Buffer.alloc(CHUNK);
  let left = rounds * 16n;
  const last = secureAlloc(16); // off the heap: it ends as half the transformed key
  while (left > 0n) {
    const n = left > BigInt(CHUNK) ? CHUNK : Number(left);
    const out = cipher.update(n === CHUNK ? zero : zero.subarray(0, n));
    last.set(out.subarray(out.length - 16));
    wipe(out);
    left -= BigInt(n);
    afterChunk?.();
  }
  cipher.final();
  return last;
}
