/**
 * Uniform sampling of passwords, with a CSPRNG.
 *
 * Two exact methods, chosen by the acceptance rate count(L) / |A|^L:
 * - rejection: draw L characters uniformly from the alphabet and keep the
 *   password if it satisfies the rule. Every valid password is drawn with
 *   probability |A|^-L per attempt, so the accepted ones are uniform.
 * - counted composition (for rules that rarely accept): choose each position
 *   with probability proportional to the number of valid completions it
 *   leaves (inclusion–exclusion counts), which yields every password that
 *   covers the required sets with equal probability; a run-limit violation
 *   then rejects and redraws, which keeps uniformity on the valid subset.
 * Never "one of each class, then shuffle", which over-weights passwords with
 * few characters from the required classes.
 */
import { randomFillSync } from 'node:crypto';
import { ProtectedValue, secureAlloc } from '../secret/index.js';
import { UsageError } from '../errors/index.js';
import { completions, countPasswords, type Shape } from './count.js';

const encoder = new TextEncoder();

/** A buffered CSPRNG: uniform integers in [0, n) by rejection of out-of-range bytes. */
export class RandomSource {
  #pool = new Uint8Array(65536);
  #pos = this.#pool.length;
  #byte(): number {
    if (this.#pos >= this.#pool.length) {
      randomFillSync(this.#pool);
      this.#pos = 0;
    }
    return this.#pool[this.#pos++];
  }
  int(n: number): number {
    if (n <= 0 || n > 65536) throw new RangeError('n out of range');
    if (n <= 256) {
      const limit = 256 - (256 % n);
      for (;;) {
        const b = this.#byte();
        if (b < limit) return b % n;
      }
    }
    const limit = 65536 - (65536 % n);
    for (;;) {
      const v = (this.#byte() << 8) | this.#byte();
      if (v < limit) return v % n;
    }
  }
  bigint(n: bigint): bigint {
    if (n <= 0n) throw new RangeError('n out of range');
    const bytes = Math.ceil(n.toString(2).length / 8) + 1;
    const span = 1n << BigInt(bytes * 8);
    const limit = span - (span % n);
    for (;;) {
      let v = 0n;
      for (let i = 0; i < bytes; i++) v = (v << 8n) | BigInt(this.#byte());
      if (v < limit) return v % n;
    }
  }
  wipe(): void {
    this.#pool.fill(0);
    this.#pos = this.#pool.length;
  }
}

const MAX_ATTEMPTS = 1_000_000;

/**
 * Draws passwords as indices into the alphabet, in an off-heap buffer of its
 * own: a password for an entry goes from there into a ProtectedValue
 * (nextProtected) without ever being a string; `stv gen` prints strings
 * (next). wipe() zeroes the last draw and the random pool.
 */
export class Sampler {
  readonly count: bigint;
  readonly acceptance: number;
  #shape: Shape;
  #length: number;
  #rng: RandomSource;
  #all: number;
  /** The alphabet's characters, their required-set masks and UTF-8 bytes, by index. */
  #chars: string[];
  #masks: Uint32Array;
  #utf8: Uint8Array[];
  /** Each atom's characters as alphabet indices. */
  #atomIndices: Uint16Array[];
  /** The current draw: one alphabet index per position. */
  #draw: Uint16Array;

  constructor(shape: Shape, length: number, rng = new RandomSource()) {
    this.#shape = shape;
    this.#length = length;
    this.#rng = rng;
    this.#all = (1 << shape.k) - 1;
    this.count = countPasswords(shape, length);
    if (this.count <= 0n) throw new UsageError('no password of that length satisfies the rule (the requirements contradict each other)');
    const space = BigInt(shape.alphabet.length) ** BigInt(length);
    this.acceptance = Number((this.count * 1_000_000n) / space) / 1_000_000;
    this.#chars = [...shape.alphabet];
    const index = new Map(this.#chars.map((c, i) => [c, i]));
    this.#masks = Uint32Array.from(this.#chars, (c) => shape.masks.get(c)!);
    this.#utf8 = this.#chars.map((c) => encoder.encode(c));
    this.#atomIndices = shape.atoms.map((a) => Uint16Array.from([...a.chars], (c) => index.get(c)!));
    this.#draw = new Uint16Array(new ArrayBuffer(Math.max(2 * length, 66)), 0, length);
  }

  #valid(): boolean {
    const d = this.#draw;
    let covered = 0;
    let run = 0;
    let prev = -1;
    for (let i = 0; i < d.length; i++) {
      const c = d[i];
      covered |= this.#masks[c];
      run = c === prev ? run + 1 : 1;
      if (run > this.#shape.maxConsecutive) return false;
      prev = c;
    }
    return covered === this.#all;
  }

  #byRejection(): boolean {
    const n = this.#chars.length;
    const d = this.#draw;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      for (let i = 0; i < d.length; i++) d[i] = this.#rng.int(n);
      if (this.#valid()) return true;
    }
    return false;
  }

  #byComposition(): boolean {
    const d = this.#draw;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      let missing = this.#all;
      for (let pos = 0; pos < this.#length; pos++) {
        const rest = this.#length - pos - 1;
        const weights = this.#shape.atoms.map((a) => BigInt(a.chars.length) * completions(this.#shape, rest, missing & ~a.mask));
        let pick = this.#rng.bigint(weights.reduce((x, y) => x + y, 0n));
        let i = 0;
        while (pick >= weights[i]) pick -= weights[i++];
        const atom = this.#atomIndices[i];
        d[pos] = atom[this.#rng.int(atom.length)];
        missing &= ~this.#shape.atoms[i].mask;
      }
      if (this.#valid()) return true;
    }
    return false;
  }

  #drawOne(): void {
    const ok = this.acceptance >= 0.02 ? this.#byRejection() : this.#byComposition();
    if (!ok) throw new UsageError('the rule accepts too few passwords to draw one (relax max-consecutive or add characters)');
  }

  /** A password as a string, for printing (`stv gen`). */
  next(): string {
    this.#drawOne();
    let pw = '';
    for (let i = 0; i < this.#draw.length; i++) pw += this.#chars[this.#draw[i]];
    return pw;
  }

  /** A password straight into a ProtectedValue (an entry's field): never a string; the draw is zeroed. */
  nextProtected(): ProtectedValue {
    this.#drawOne();
    const d = this.#draw;
    let n = 0;
    for (let i = 0; i < d.length; i++) n += this.#utf8[d[i]].length;
    const bytes = secureAlloc(n);
    for (let i = 0, at = 0; i < d.length; i++) {
      const c = this.#utf8[d[i]];
      bytes.set(c, at);
      at += c.length;
    }
    d.fill(0);
    try {
      return ProtectedValue.fromBytes(bytes);
    } finally {
      bytes.fill(0);
    }
  }

  /** Zeroes the last draw and the random pool it came from. */
  wipe(): void {
    this.#draw.fill(0);
    this.#rng.wipe();
  }
}
