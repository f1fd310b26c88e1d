/**
 * Key derivation (docs/kdbx.md §5): composite key → 32-byte transformed key
 * with AES-KDF or Argon2d/id (libargon2 through the `argon2` package, no
 * secret, no associated data). Also: tuning to a time budget, a stable
 * fingerprint of the parameters, and the "this will take too long" guard.
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { StvError, UsageError } from '../../errors/index.js';
import { secureCopy } from '../../secret/index.js';
import { aesChain, aesKdf, WORKER_OVERHEAD_MS, WORKER_THRESHOLD } from './aes-kdf.js';
import { checkKdfHardLimits, defaultKdf, MAX_ROUNDS, type KdfParams } from './kdf-params.js';

/** `background`: keep this thread free while the KDF runs (Argon2 always runs on libuv's threads). */
export async function transformKey(composite: Uint8Array, kdf: KdfParams, opts: { background?: boolean } = {}): Promise<Uint8Array> {
  if (composite.length !== 32) throw new UsageError(`composite key must be 32 bytes, got ${composite.length}`);
  checkKdfHardLimits(kdf);
  if (kdf.type === 'aes') return aesKdf(composite, kdf.seed, kdf.rounds, { background: opts.background });
  // Loaded on first use: the native binding costs ~20 ms of start-up that AES-KDF files never need.
  const { default: argon2 } = await import('argon2');
  // A Buffer over an off-heap copy (argon2 wants a Buffer); the output moves off the heap too.
  const own = secureCopy(composite);
  const pwd = Buffer.from(own.buffer, own.byteOffset, own.length);
  try {
    const out = await argon2.hash(pwd, {
      raw: true,
      type: kdf.type === 'argon2d' ? argon2.argon2d : argon2.argon2id,
      salt: Buffer.from(kdf.salt),
      timeCost: Number(kdf.iterations),
      memoryCost: Number(kdf.memoryBytes / 1024n),
      parallelism: kdf.parallelism,
      version: kdf.version,
      hashLength: 32,
    });
    const key = secureCopy(out);
    out.fill(0);
    return key;
  } catch (e) {
    // libargon2 refused the parameters (e.g. not enough memory): not a wrong key.
    throw new StvError(`key derivation failed: ${(e as Error).message}`);
  } finally {
    pwd.fill(0);
  }
}

/** Stable id of the parameters (salt included): a key derived for other parameters is useless. */
export function kdfFingerprint(kdf: KdfParams): string {
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  const text = kdf.type === 'aes'
    ? `aes:${kdf.rounds}:${hex(kdf.seed)}`
    : `${kdf.type}:${kdf.version}:${kdf.iterations}:${kdf.memoryBytes}:${kdf.parallelism}:${hex(kdf.salt)}`;
  return createHash('sha256').update(text).digest('hex');
}

// Optimistic speeds (a fast 2020s core), so the slow guard only fires when a file is clearly excessive.
const AES_ROUNDS_PER_MS = 80_000; // both halves concurrently, measured ~68k/ms here
const ARGON2_BYTES_PER_MS_PER_LANE = 2 * 1024 * 1024; // ~1 GiB/s measured per lane here, doubled

/** Rough time the KDF takes on a fast machine. */
export function estimateKdfMs(kdf: KdfParams): number {
  if (kdf.type === 'aes') return Number(kdf.rounds) / AES_ROUNDS_PER_MS;
  const lanes = Math.max(1, Math.min(kdf.parallelism, availableParallelism()));
  return (Number(kdf.memoryBytes) * Number(kdf.iterations)) / (ARGON2_BYTES_PER_MS_PER_LANE * lanes);
}

function describe(kdf: KdfParams): string {
  if (kdf.type === 'aes') return `AES-KDF ${kdf.rounds} rounds`;
  const name = kdf.type === 'argon2d' ? 'Argon2d' : 'Argon2id';
  return `${name} ${Number(kdf.memoryBytes / 1024n) / 1024} MiB × ${kdf.iterations} iterations × ${kdf.parallelism} lanes`;
}

/** The file's KDF would take far longer than expected; the CLI asks on a TTY or needs --allow-slow-kdf. */
export class SlowKdfError extends StvError {
  constructor(readonly estimateMs: number, readonly kdfDescription: string) {
    super(`opening this file needs about ${Math.round(estimateMs / 1000)} s of key derivation (${kdfDescription}); pass --allow-slow-kdf if you trust it`);
  }
}

/**
 * Refuse hostile parameters before any work: hard limits → CorruptFileError;
 * an estimate above max(10 × target, 10 s) → SlowKdfError unless allowSlow.
 */
export function checkKdfLimits(kdf: KdfParams, opts: { allowSlow: boolean; targetMs?: number }): void {
  checkKdfHardLimits(kdf);
  if (opts.allowSlow) return;
  const limit = Math.max(10 * (opts.targetMs ?? 1000), 10_000);
  const estimate = estimateKdfMs(kdf);
  if (estimate > limit) throw new SlowKdfError(estimate, describe(kdf));
}

/**
 * Parameters sized so one derivation takes about `targetMs` on this machine:
 * Argon2 keeps memory and lanes and scales iterations; AES-KDF scales rounds.
 */
export async function tuneKdf(kind: 'argon2id' | 'argon2d' | 'aes', targetMs: number, memoryBytes?: bigint, parallelism?: number): Promise<KdfParams> {
  const kdf = defaultKdf(kind, { memoryBytes, parallelism });
  const probe = new Uint8Array(32);
  const clamp = (n: number) => {
    const v = BigInt(Math.max(1, Math.round(n)));
    return v > MAX_ROUNDS ? MAX_ROUNDS : v;
  };
  if (kdf.type === 'aes') {
    // Rate of one chain, then the time model of aesTransformRaw: two chains
    // in series, or in parallel plus the worker's start-up above the threshold.
    const probeRounds = 2_000_000;
    const t0 = performance.now();
    aesChain(kdf.seed, probe.subarray(0, 16), BigInt(probeRounds));
    const perMs = probeRounds / Math.max(1, performance.now() - t0);
    const serial = (targetMs * perMs) / 2;
    const parallel = availableParallelism() >= 2 ? (targetMs - WORKER_OVERHEAD_MS) * perMs : 0;
    kdf.rounds = clamp(serial >= Number(WORKER_THRESHOLD) && parallel > serial ? Math.max(parallel, Number(WORKER_THRESHOLD)) : serial);
    return kdf;
  }
  // Argon2 time is a fixed cost (allocating and filling memory) plus a cost per pass: fit both.
  const timed = async (iterations: bigint) => {
    const t0 = performance.now();
    await transformKey(probe, { ...kdf, iterations });
    return performance.now() - t0;
  };
  await timed(1n); // warm-up: the first allocation of the memory is slower
  const t1 = await timed(1n);
  const t3 = await timed(3n);
  const perPass = Math.max((t3 - t1) / 2, t1 / 4, 0.01);
  kdf.iterations = clamp((targetMs - Math.max(0, t1 - perPass)) / perPass);
  return kdf;
}
