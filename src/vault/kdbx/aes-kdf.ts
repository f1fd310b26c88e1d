/**
 * AES-KDF (KDBX-NOTES §5): each 16-byte half of the composite key is
 * encrypted `rounds` times with AES-256-ECB under the seed, then SHA-256.
 *
 * Native speed without a per-round JS loop: AES-256-CBC over N zero blocks
 * with IV = half yields blocks c_k = E(c_{k-1} ⊕ 0), so the last block is
 * E^N(half). The two halves are independent chains; for large round counts
 * each runs in its own worker thread, so both cores work (as KeePassXC does)
 * and this thread stays free.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * Blocks per cipher call, as bytes. Each call returns a fresh output buffer;
 * at 1 MiB it is above malloc's mmap threshold and goes back to the system
 * when freed, where 64 KiB ones stayed in the thread's malloc arena and
 * raised the peak RSS of the parse that follows (~6 MiB measured).
 */
const CHUNK = 1024 * 1024;
/**
 * Below this the worker's start-up (~35 ms measured) costs more than it
 * saves: one round pair costs ~29 ns in series and splitting saves half of
 * that, so the break-even is ~2.4M rounds. At 7.7M rounds (keepassxc-cli's
 * "100 ms" here): 224 ms in series, 138 ms split over two cores.
 */
export const WORKER_THRESHOLD = 3_000_000n;
export const WORKER_OVERHEAD_MS = 35;

/** E^rounds(block) under AES-256 `key`; blocking, bounded memory. */
export function aesChain(key: Uint8Array, block: Uint8Array, rounds: bigint): Uint8Array {
  const cipher = createCipheriv('aes-256-cbc', key, block);
  cipher.setAutoPadding(false);
  const zero = Buffer.alloc(CHUNK);
  let left = rounds * 16n;
  const last = new Uint8Array(16);
  while (left > 0n) {
    const n = left > BigInt(CHUNK) ? CHUNK : Number(left);
    const out = cipher.update(n === CHUNK ? zero : zero.subarray(0, n));
    last.set(out.subarray(out.length - 16));
    out.fill(0);
    left -= BigInt(n);
  }
  cipher.final();
  return last;
}

// Inline worker (CommonJS eval) so the bundle needs no extra file; its chain
// loop is aesChain's, written again in plain JS for the eval. It runs chains
// one after another as they are posted, so a merge's second key queues behind
// the first instead of starting more threads that fight the parse for the
// two cores.
//
// Why the filler: each cipher call returns a new output buffer, and V8 frees
// dead ones only after a young-generation GC, which this loop alone would
// trigger only every ~32 MiB of them (V8's external-memory heuristic). Two
// chains of keepassxc-cli's "100 ms" (117 MB of output each) then held
// ~80 MiB of garbage at once, the peak RSS of a whole `stv ls`. A little
// short-lived filler per call fills the worker's small young generation
// (CHAIN_WORKER_OPTIONS) every few calls, so the outputs are freed while they
// are still few: peak RSS of the two chains 130 → 74 MiB, and no slower
// (fewer fresh pages to fault in), measured.
const WORKER_CODE = `
const { parentPort } = require('node:worker_threads');
const { createCipheriv } = require('node:crypto');
const CHUNK = ${CHUNK};
const zero = Buffer.alloc(CHUNK);
let filler;
parentPort.on('message', ({ id, key, block, rounds }) => {
  const cipher = createCipheriv('aes-256-cbc', key, block);
  cipher.setAutoPadding(false);
  let left = BigInt(rounds) * 16n;
  const last = new Uint8Array(16);
  while (left > 0n) {
    const n = left > BigInt(CHUNK) ? CHUNK : Number(left);
    const out = cipher.update(n === CHUNK ? zero : zero.subarray(0, n));
    last.set(out.subarray(out.length - 16));
    out.fill(0);
    left -= BigInt(n);
    filler = new Array(15000);
    filler = new Array(15000);
  }
  filler = undefined;
  key.fill(0); block.fill(0);
  parentPort.postMessage({ id, last });
  last.fill(0);
});
`;

/**
 * Options of every chain worker: a small young generation, so the filler
 * above triggers its collections early. The installed launcher starts its
 * spare workers with the same (scripts/build.mjs; a test checks they match).
 */
export const CHAIN_WORKER_OPTIONS = { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 2 } } as const;

/**
 * The chain worker: chains queue on it, and it ends when the queue is empty.
 * It is unref'd while idle (started ahead of need), so it never keeps the
 * process alive, and ref'd while a chain is pending.
 */
class ChainWorker {
  readonly #worker = adoptSpareWorker() ?? new Worker(WORKER_CODE, CHAIN_WORKER_OPTIONS);
  readonly #pending = new Map<number, { resolve(v: Uint8Array): void; reject(e: unknown): void }>();
  #next = 0;

  constructor() {
    this.#worker.on('message', ({ id, last }: { id: number; last: Uint8Array }) => {
      const p = this.#pending.get(id);
      this.#pending.delete(id);
      this.retireIfIdle();
      p?.resolve(new Uint8Array(last));
      last.fill(0);
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
      // Standalone copies (a view would clone its whole buffer: both key halves), cloned again by
      // postMessage; the worker wipes its clones after use and these are wiped once posted.
      const k = Uint8Array.from(key);
      const b = Uint8Array.from(block);
      this.#worker.postMessage({ id, key: k, block: b, rounds: rounds.toString() });
      k.fill(0);
      b.fill(0);
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
 * The installed launcher (dist/stv.cjs, see scripts/build.mjs) may have
 * started blank workers while the modules loaded: each runs the first
 * message it gets as code. Each is taken once.
 */
const SPARE = Symbol.for('stickvault.spare-workers');
function adoptSpareWorker(): Worker | undefined {
  const g = globalThis as { [SPARE]?: Worker[] };
  const w = g[SPARE]?.shift();
  w?.postMessage(WORKER_CODE);
  return w;
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
  const out = new Uint8Array(32);
  if (useWorker) {
    // In the background both halves queue on one thread: the other core is the parse's.
    const second = opts.background ? chainWorker(0) : chainWorker(1);
    const [l, r] = await Promise.all([chainWorker(0).chain(seed, left, rounds), second.chain(seed, right, rounds)]);
    out.set(l, 0);
    out.set(r, 16);
    wipeAll(l, r);
  } else {
    out.set(aesChain(seed, left, rounds), 0);
    out.set(aesChain(seed, right, rounds), 16);
  }
  return out;
}

function wipeAll(...xs: Uint8Array[]): void {
  for (const x of xs) x.fill(0);
}

export async function aesKdf(composite: Uint8Array, seed: Uint8Array, rounds: bigint, opts?: AesKdfOptions): Promise<Uint8Array> {
  const raw = await aesTransformRaw(composite, seed, rounds, opts);
  const digest = createHash('sha256').update(raw).digest();
  raw.fill(0);
  return new Uint8Array(digest.buffer, digest.byteOffset, 32);
}
