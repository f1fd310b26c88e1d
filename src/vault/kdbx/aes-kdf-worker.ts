/**
 * The AES-KDF chain worker (built to dist/aes-kdf-worker.cjs). It runs the
 * chains posted to it one after another, so a merge's second key queues
 * behind the first instead of starting more threads that fight the parse
 * for the two cores. It only ever runs aesChain: nothing it receives is code.
 *
 * Why the filler: each cipher call returns a new output buffer, and V8 frees
 * dead ones only after a young-generation GC, which the chain alone would
 * trigger only every ~32 MiB of them (V8's external-memory heuristic). Two
 * chains of keepassxc-cli's "100 ms" (117 MB of output each) then held
 * ~80 MiB of garbage at once, the peak RSS of a whole `stv ls`. A little
 * short-lived filler per call fills the worker's small young generation
 * (CHAIN_WORKER_OPTIONS) every few calls, so the outputs are freed while they
 * are still few: peak RSS of the two chains 130 → 74 MiB, and no slower
 * (fewer fresh pages to fault in), measured.
 */
import { parentPort } from 'node:worker_threads';
import { wipe } from '../../secret/leaf.js';
import { aesChain } from './aes-chain.js';

/** A chain request: key and block are this worker's clones, wiped after use. */
export interface ChainRequest {
  id: number;
  key: Uint8Array;
  block: Uint8Array;
  /** A decimal string: a bigint does not pass postMessage. */
  rounds: string;
}

let filler: unknown;
const nudgeGc = () => {
  filler = new Array(15000);
  filler = new Array(15000);
};

parentPort?.on('message', ({ id, key, block, rounds }: ChainRequest) => {
  const last = aesChain(key, block, BigInt(rounds), nudgeGc);
  filler = undefined;
  wipe(key, block);
  parentPort?.postMessage({ id, last });
  wipe(last);
});
