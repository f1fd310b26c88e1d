/**
 * Whether a vault's KDF is strong enough, by this machine's measure: at least
 * 0.5 s of derivation here (the parameters tuned to 0.5 s are the bar), and
 * for Argon2 at least 64 MiB of memory, which is what makes GPU guessing dear.
 */
import { tuneKdf, type KdfParams } from '../kdbx/index.js';

export const MIN_KDF_MS = 500;
export const MIN_ARGON2_MIB = 64;

export type KdfStrength =
  | { type: 'aes'; rounds: bigint; ok: boolean; tooFast: boolean }
  | { type: 'argon2id' | 'argon2d'; memoryMiB: number; iterations: bigint; ok: boolean; tooFast: boolean; tooSmall: boolean };

export async function kdfStrength(k: KdfParams): Promise<KdfStrength> {
  const bar = await tuneKdf(k.type, MIN_KDF_MS, k.type === 'aes' ? undefined : k.memoryBytes, k.type === 'aes' ? undefined : k.parallelism);
  if (k.type === 'aes') {
    const tooFast = !(bar.type === 'aes' && k.rounds >= bar.rounds);
    return { type: 'aes', rounds: k.rounds, ok: !tooFast, tooFast };
  }
  const memoryMiB = Number(k.memoryBytes) / 1048576;
  const tooFast = bar.type !== 'aes' && k.iterations < bar.iterations;
  const tooSmall = memoryMiB < MIN_ARGON2_MIB;
  return { type: k.type, memoryMiB, iterations: k.iterations, ok: !tooFast && !tooSmall, tooFast, tooSmall };
}
