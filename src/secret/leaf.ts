/** Zero every given buffer. A leaf module: the AES-KDF worker and the launcher load no more of src/secret. */
export function wipe(...buffers: (Uint8Array | undefined | null)[]): void {
  for (const b of buffers) if (b) b.fill(0);
}

/** prlimit(1)'s arguments that set process `pid`'s core-dump limit to 0, soft and hard (disableCoreDumps, the launcher). */
export const noCoreDumpArgs = (pid: number): string[] => [`--pid=${pid}`, '--core=0:0'];
