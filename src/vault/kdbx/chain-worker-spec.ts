/**
 * What the AES-KDF (aes-kdf.ts) and the installed launcher (src/cli/launcher.ts)
 * agree on about the chain worker: its built file, its options, and where the
 * launcher leaves the workers it starts ahead of need. Imported by the
 * launcher directly (not through the vault's index): the launcher must stay a
 * few kilobytes that load in a millisecond.
 */

/** The worker's file in dist/, built by scripts/build.mjs from aes-kdf-worker.ts. */
export const CHAIN_WORKER_FILE = 'aes-kdf-worker.cjs';

/**
 * Options of every chain worker: a small young generation, so the worker's
 * filler (aes-kdf-worker.ts) triggers its collections early.
 */
export const CHAIN_WORKER_OPTIONS = { resourceLimits: { maxYoungGenerationSizeMb: 2 } } as const;

/** globalThis key of the launcher's spare chain workers (an array the KDF takes them from). */
export const SPARE_WORKERS = Symbol.for('stickvault.spare-workers');
