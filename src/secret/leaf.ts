/** Zero every given buffer. A leaf module: the AES-KDF worker and the launcher load no more of src/secret. */
export function wipe(...buffers: (Uint8Array | undefined | null)[]): void {
  for (const b of buffers) if (b) b.fill(0);
}

/**
 * Typed arrays of up to this many bytes made with `new Uint8Array(n)` (and
 * `Buffer.alloc(n)`, `Uint8Array.from`, `.slice()`) live inside V8's heap,
 * where a garbage collection may move them and leave the old bytes behind, so
 * a later zeroing misses a copy (issue 18: Node 26 kept a locked vault's key).
 */
export const V8_ON_HEAP_MAX = 64;

/**
 * `n` zeroed bytes in an ArrayBuffer of their own, outside the JS heap: its
 * backing store never moves, so wiping it wipes the only copy. At least
 * V8_ON_HEAP_MAX + 1 bytes are reserved, so the store stays off the heap even
 * if V8 ever kept small ArrayBuffers inside it; the view is `n` bytes long.
 * For every buffer that holds a password, keyfile or key.
 */
export function secureAlloc(n: number): Uint8Array {
  return new Uint8Array(new ArrayBuffer(Math.max(n, V8_ON_HEAP_MAX + 1)), 0, n);
}

/** An off-heap copy of `bytes` (secureAlloc); the given buffer is left as it is. */
export function secureCopy(bytes: Uint8Array): Uint8Array {
  const out = secureAlloc(bytes.length);
  out.set(bytes);
  return out;
}

/** prlimit(1)'s arguments that set process `pid`'s core-dump limit to 0, soft and hard (disableCoreDumps, the launcher). */
export const noCoreDumpArgs = (pid: number): string[] => [`--pid=${pid}`, '--core=0:0'];
