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
import { UsageError } from '../errors/index.js';
import { completions, countPasswords, type Shape } from './count.js';

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

export class Sampler {
  readonly count: bigint;
  readonly acceptance: number;
  #shape: Shape;
  #length: number;
  #rng: RandomSource;
  #all: number;

  constructor(shape: Shape, length: number, rng = new RandomSource()) {
    this.#shape = shape;
    this.#length = length;
    this.#rng = rng;
    this.#all = (1 << shape.k) - 1;
    this.count = countPasswords(shape, length);
    if (this.count <= 0n) throw new UsageError('no password of that length satisfies the rule (the requirements contradict each other)');
    const space = BigInt(shape.alphabet.length) ** BigInt(length);
    this.acceptance = Number((this.count * 1_000_000n) / space) / 1_000_000;
  }

  #valid(pw: string): boolean {
    let covered = 0;
    let run = 0;
    let prev = '';
    for (const c of pw) {
      covered |= this.#shape.masks.get(c)!;
      run = c === prev ? run + 1 : 1;
      if (run > this.#shape.maxConsecutive) return false;
      prev = c;
    }
    return covered === this.#all;
  }

  #byRejection(): string | undefined {
    const a = this.#shape.alphabet;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      let pw = '';
      for (let i = 0; i < this.#length; i++) pw += a[this.#rng.int(a.length)];
      if (this.#valid(pw)) return pw;
    }
    return undefined;
  }

  #byComposition(): string | undefined {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      let missing = this.#all;
      let pw = '';
      for (let pos = 0; pos < this.#length; pos++) {
        const rest = this.#length - pos - 1;
        const weights = this.#shape.atoms.map((a) => BigInt(a.chars.length) * completions(this.#shape, rest, missing & ~a.mask));
        let pick = this.#rng.bigint(weights.reduce((x, y) => x + y, 0n));
        let i = 0;
        while (pick >= weights[i]) pick -= weights[i++];
        const atom = this.#shape.atoms[i];
        pw += atom.chars[this.#rng.int(atom.chars.length)];
        missing &= ~atom.mask;
      }
      if (this.#valid(pw)) return pw;
    }
    return undefined;
  }

  next(): string {
    const pw = this.acceptance >= 0.02 ? this.#byRejection() : this.#byComposition();
    if (pw === undefined) throw new UsageError('the rule accepts too few passwords to draw one (relax max-consecutive or add characters)');
    return pw;
  }
}
