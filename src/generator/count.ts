/**
 * Exact counting of the passwords a rule allows, for entropy and for
 * uniform sampling.
 *
 * For length L over alphabet A with required sets R1..Rk, inclusion–exclusion
 * over the sets that are missing gives
 *   count(L) = Σ_{S ⊆ {1..k}} (−1)^|S| · h(|A \ ∪_{i∈S} Ri|, L)
 * where h(b, L) counts strings over b letters with no run of identical
 * characters longer than max-consecutive (b^L without that property;
 * otherwise a dynamic programme over run lengths). Removing letters from the
 * alphabet does not interact with the run limit, so the two combine exactly.
 */
import type { Rule } from './rules.js';
import { alphabetOf } from './rules.js';

export interface Shape {
  alphabet: string;
  /** Bit i set = the character is in required set i. */
  masks: Map<string, number>;
  /** Characters grouped by mask. */
  atoms: { mask: number; chars: string }[];
  k: number;
  /** |A \ ∪_{i∈S} Ri| for every subset S. */
  sizeWithout: number[];
  maxConsecutive: number;
}

export function shapeOf(rule: Rule): Shape {
  const alphabet = alphabetOf(rule);
  const k = rule.required.length;
  const masks = new Map<string, number>();
  for (const c of alphabet) {
    let m = 0;
    rule.required.forEach((set, i) => {
      if (set.includes(c)) m |= 1 << i;
    });
    masks.set(c, m);
  }
  const byMask = new Map<number, string>();
  for (const [c, m] of masks) byMask.set(m, (byMask.get(m) ?? '') + c);
  const sizeWithout: number[] = [];
  for (let s = 0; s < 1 << k; s++) {
    let n = 0;
    for (const m of masks.values()) if ((m & s) === 0) n++;
    sizeWithout.push(n);
  }
  return { alphabet, masks, atoms: [...byMask].map(([mask, chars]) => ({ mask, chars })), k, sizeWithout, maxConsecutive: rule.maxConsecutive ?? Infinity };
}

const popcount = (x: number) => {
  let n = 0;
  for (; x; x &= x - 1) n++;
  return n;
};

/** Strings of length L over b letters with no run longer than n. */
export function runLimited(b: number, L: number, n: number): bigint {
  const B = BigInt(b);
  if (n >= L) return B ** BigInt(L);
  if (L === 0) return 1n;
  if (b === 0) return 0n;
  // h[i] = strings of length i; a string is runs of length 1..n, the first of b letters, later ones of b−1.
  const h: bigint[] = [1n];
  for (let i = 1; i <= L; i++) {
    let sum = 0n;
    for (let t = 1; t <= Math.min(n, i); t++) sum += h[i - t] * (i - t === 0 ? B : B - 1n);
    h.push(sum);
  }
  return h[L];
}

/** Completions of length r that still contain every set in `missing` (run limit ignored). */
export function completions(shape: Shape, r: number, missing: number): bigint {
  let total = 0n;
  // Subsets S of `missing`: strings avoiding all sets in S.
  for (let s = missing; ; s = (s - 1) & missing) {
    const term = BigInt(shape.sizeWithout[s]) ** BigInt(r);
    total += popcount(s) % 2 ? -term : term;
    if (s === 0) break;
  }
  return total;
}

/** The exact number of valid passwords of length L. */
export function countPasswords(shape: Shape, L: number): bigint {
  const all = (1 << shape.k) - 1;
  let total = 0n;
  for (let s = all; ; s = (s - 1) & all) {
    const term = runLimited(shape.sizeWithout[s], L, shape.maxConsecutive);
    total += popcount(s) % 2 ? -term : term;
    if (s === 0) break;
  }
  return total;
}

/** log2 of a positive BigInt, to double precision. */
export function log2(n: bigint): number {
  if (n <= 0n) return -Infinity;
  const bits = n.toString(2).length;
  if (bits <= 53) return Math.log2(Number(n));
  const top = Number(n >> BigInt(bits - 53));
  return Math.log2(top) + (bits - 53);
}
