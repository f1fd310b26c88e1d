/**
 * AES-KDF (docs/kdbx.md §5): each 16-byte half of the composite key is
 * encrypted `rounds` times with AES-256-ECB under the seed, then SHA-256.
 *
 * The two halves are independent chains (aes-chain.ts). For large round
 * counts each runs in its own worker thread, so both cores work and this
 * thread stays free. KeePassXC 2.7 does not split them: its
 * SymmetricCipher::aesKdf encrypts both halves together, round by round, in
 * one loop on one thread; two threads are ours.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { secretDigest, secureAlloc, secureCopy, wipe } from '../../secret/index.js';
import { aesChain } from './aes-chain.js';
import type { ChainRequest } from './aes-kdf-worker.js';
import { CHAIN_WORKER_FILE, CHAIN_WORKER_OPTIONS, SPARE_WORKERS } from './chain-worker-spec.js';

export { aesChain } from './aes-chain.js';

/**
 * Below this the worker's start-up (~35 ms measured) costs more than it
 * saves: one round pair costs ~29 ns in series and splitting saves half of
 * that, so the break-even is ~2.4M rounds. At 7.7M rounds (keepassxc-cli's
 * "100 ms" here): 224 ms in series, 138 ms split over two cores.
 */
export const WORKER_THRESHOLD = 3_000_000n;
export const WORKER_OVERHEAD_MS = 35;

/**
 * The built worker file. Bundled, this code sits in dist/chunks/ or in
 * dist/stv.js, the worker in dist/ (scripts/build.mjs); run from source
 * (the tests), the worker is the one the last build made from the same source.
 */
function chainWorkerFile(): URL {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return new URL(`../../../dist/${CHAIN_WORKER_FILE}`, here);
  return new URL(`${/\/chunks\/[^/]*$/.test(here) ? '../' : './'}${CHAIN_WORKER_FILE}`, here);
}

/**
 * The chain worker: chains queue on it, and it ends when the queue is empty.
 * It is unref'd while idle (started ahead of need), so it never keeps the
 * process alive, and ref'd while a chain is pending.
 */
class ChainWorker {
  readonly #worker = adoptSpareWorker() ?? new Worker(chainWorkerFile(), CHAIN_WORKER_OPTIONS);
  readonly #pending = new Map<number, { resolve(v: Uint8Array): void; reject(e: unknown): void }>();
  #next = 0;

  constructor() {
    this.#worker.on('message', ({ id, last }: { id: number; last: Uint8Array }) => {
      const p = this.#pending.get(id);
      this.#pending.delete(id);
      this.retireIfIdle();
      p?.resolve(secureCopy(last));
      wipe(last);
    });
    const failAll = (e: unknown) => {
      forget(this);
      for (const p of this.#pending.values()) p.reject(e);
      this.#pending.clear();
    };
    this.#worker.on('error', failAll);
    this.#worker.on('exit', (code) => failAll(new Error(`AES-KDF worker exited with code ${code}`)));
    // After the listeners: adding a 'message' listener refs the worker again.
    this.#worker.unref();
  }

  /**
   * Ends the thread as soon as it has nothing to do: an idle thread's heap
   * would otherwise count in the peak RSS of the parse that follows (a
   * 10k-entry `ls` peaked at ~190 MiB with it alive, ~150 MiB without).
   * Unless held (holdAesKdfWorker): a new thread would take ~35–45 ms to
   * start, on a core the parse needs.
   */
  retireIfIdle(): void {
    if (this.#pending.size) return;
    // Idle and held: never what keeps the process alive.
    if (holds > 0 && pool[0] === this) return void this.#worker.unref();
    forget(this);
    void this.#worker.terminate();
  }

  chain(key: Uint8Array, block: Uint8Array, rounds: bigint): Promise<Uint8Array> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.ref();
      // Standalone off-heap copies (a view would clone its whole buffer: both key halves), cloned again
      // by postMessage; the worker wipes its clones after use and these are wiped once posted.
      const k = secureCopy(key);
      const b = secureCopy(block);
      this.#worker.postMessage({ id, key: k, block: b, rounds: rounds.toString() } satisfies ChainRequest);
      wipe(k, b);
    });
  }
}

/** The two chain workers (one per half), started on first use. */
const pool: (ChainWorker | undefined)[] = [undefined, undefined];
let holds = 0;

function forget(w: ChainWorker): void {
  const i = pool.indexOf(w);
  if (i !== -1) pool[i] = undefined;
}

function chainWorker(i: 0 | 1): ChainWorker {
  return (pool[i] ??= new ChainWorker());
}

/**
 * Keeps the first chain worker alive between keys until the returned
 * release is called: a merge's second key (`background`) then queues on the
 * thread that derived half of the first (~6 % of a 10k merge, measured)
 * instead of starting another. The second worker still ends when idle: a
 * third thread alive during the parse only added to the merge's peak RSS.
 */
export function holdAesKdfWorker(): () => void {
  holds++;
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    holds--;
    for (const w of pool) w?.retireIfIdle();
  };
}

/**
 * The installed launcher (src/cli/launcher.ts) may have started chain
 * workers while the modules loaded. Each is taken once.
 */
function adoptSpareWorker(): Worker | undefined {
  return (globalThis as { [SPARE_WORKERS]?: Worker[] })[SPARE_WORKERS]?.shift();
}

/**
 * Starts the chain workers ahead of need: their ~35 ms start then overlaps
 * reading the password and the file instead of delaying the KDF. Only when
 * the KDF will use them (AES-KDF with enough rounds, two cores).
 */
export function prewarmAesKdf(rounds: bigint): void {
  if (rounds >= WORKER_THRESHOLD && availableParallelism() >= 2) {
    chainWorker(0);
    chainWorker(1);
  }
}

export interface AesKdfOptions {
  /** Force (true) or forbid (false) the workers; default: by round count. */
  useWorker?: boolean;
  /**
   * One worker for both halves, whatever the round count, so this thread is
   * free meanwhile (merge parses one file while the other's key is derived).
   */
  background?: boolean;
}

/** Raw AES-KDF output before the final hash: the two transformed halves. */
export async function aesTransformRaw(composite: Uint8Array, seed: Uint8Array, rounds: bigint, opts: AesKdfOptions = {}): Promise<Uint8Array> {
  const left = composite.subarray(0, 16);
  const right = composite.subarray(16, 32);
  const twoCores = availableParallelism() >= 2;
  const useWorker = opts.useWorker ?? ((opts.background || rounds >= WORKER_THRESHOLD) && twoCores);
  const out = secureAlloc(32);
  if (useWorker) {
    // In the background both halves queue on one thread: the other core is the parse's.
    const second = opts.background ? chainWorker(0) : chainWorker(1);
    const [l, r] = await Promise.all([chainWorker(0).chain(seed, left, rounds), second.chain(seed, right, rounds)]);
    out.set(l, 0);
    out.set(r, 16);
    wipe(l, r);
  } else {
    const l = aesChain(seed, left, rounds);
    const r = aesChain(seed, right, rounds);
    out.set(l, 0);
    out.set(r, 16);
    wipe(l, r);
  }
  return out;
}

export async function aesKdf(composite: Uint8Array, seed: Uint8Array, rounds: bigint, opts?: AesKdfOptions): Promise<Uint8Array> {
  const raw = await aesTransformRaw(composite, seed, rounds, opts);
  try {
    return secretDigest('sha256', raw);
  } finally {
    wipe(raw);
  }
}
