/**
 * The password generator: Apple's Password Rules language, per-site rules,
 * uniform sampling with exact entropy, passphrases and strength feedback.
 *
 * Length policy: the target length is --length, else 20 (the seed policy),
 * clamped into the rule's [minlength, maxlength]; the password is drawn
 * uniformly from every valid password of that length, and the entropy is
 * log2 of their exact number.
 */
import { UsageError } from '../errors/index.js';
import { parseRule, formatRule, alphabetOf, CLASSES, DEFAULT_RULE, type Rule } from './rules.js';
import { shapeOf, log2 } from './count.js';
import { Sampler } from './sample.js';
import { ruleForEntry, describeSource } from './vault-rules.js';
import type { Database, Entry } from '../vault/index.js';
import type { ProtectedValue } from '../secret/index.js';

export { parseRule, formatRule, alphabetOf, CLASSES, DEFAULT_RULE, type Rule } from './rules.js';
export { countPasswords, shapeOf, log2, runLimited } from './count.js';
export { Sampler, RandomSource } from './sample.js';
export { ruleForSite, siteList, updateSiteList, hostOf, dataDir, userRules, saveUserRules, userRulesPath, type ResolvedRule, type RuleSources, type RuleSource } from './sites.js';
export { passphrase, effWords, type PassphraseOptions } from './passphrase.js';
export { strength, type Strength } from './strength.js';
export { VAULT_RULES_KEY, ENTRY_RULE_KEY, vaultRules, saveVaultRules, describeSource, ruleForEntry } from './vault-rules.js';

export const DEFAULT_LENGTH = 20;
export const AMBIGUOUS = '0O1lI|';

export interface Tweaks {
  length?: number;
  noSpecial?: boolean;
  excludeAmbiguous?: boolean;
  /** Replace the alphabet with these characters. */
  charset?: string;
  /**
   * The rule is only the vault's default (no site asked for it): the options
   * say what the user wants, so --length replaces its lengths and a required
   * class the options empty is dropped instead of refused.
   */
  optionsWin?: boolean;
}

/** Apply command-line tweaks to a rule, refusing ones that contradict it. */
export function tweakRule(rule: Rule, t: Tweaks): Rule {
  let alphabet = alphabetOf(rule);
  if (t.charset !== undefined) {
    if (!t.charset) throw new UsageError('--charset must not be empty');
    alphabet = [...new Set(t.charset)].sort().join('');
  }
  const drop = (t.noSpecial ? `${CLASSES.special} ` : '') + (t.excludeAmbiguous ? AMBIGUOUS : '');
  const keep = (s: string) => [...s].filter((c) => alphabet.includes(c) && !drop.includes(c)).join('');
  const required = rule.required.flatMap((set) => {
    const kept = keep(set);
    if (kept) return [kept];
    if (t.optionsWin) return [];
    throw new UsageError(`the rule requires one of [${set}], which --no-special/--charset/--exclude-ambiguous removed`);
  });
  const allowed = keep(alphabet);
  if (!allowed) throw new UsageError('no characters left to generate from');
  const lengths = t.optionsWin && t.length !== undefined ? { minLength: undefined, maxLength: undefined } : {};
  return { ...rule, ...lengths, required, allowed };
}

export function chooseLength(rule: Rule, requested?: number): number {
  const min = rule.minLength ?? 1;
  const max = rule.maxLength ?? Infinity;
  if (min > max) throw new UsageError(`the rule contradicts itself: minlength ${min} > maxlength ${max}`);
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested < 1 || requested > 1024) throw new UsageError('--length must be from 1 to 1024');
    if (requested < min || requested > max) throw new UsageError(`--length ${requested} is outside the rule's ${min}–${max === Infinity ? '∞' : max} characters`);
    return requested;
  }
  return Math.min(Math.max(DEFAULT_LENGTH, min), max, 1024);
}

export interface Generated {
  passwords: string[];
  length: number;
  /** Exact entropy of each password in bits: log2(number of valid passwords). */
  entropy: number;
  rule: Rule;
}

export function generate(ruleText: string, count: number, tweaks: Tweaks = {}): Generated {
  if (!Number.isInteger(count) || count < 1 || count > 10_000_000) throw new UsageError('--count must be from 1 to 10000000');
  const { sampler, length, rule } = samplerFor(ruleText, tweaks);
  const passwords: string[] = [];
  for (let i = 0; i < count; i++) passwords.push(sampler.next());
  return { passwords, length, entropy: log2(sampler.count), rule };
}

/** The sampler for a rule with the command line's tweaks, refusing contradictions. */
function samplerFor(ruleText: string, tweaks: Tweaks): { sampler: Sampler; length: number; rule: Rule } {
  const rule = tweakRule(parseRule(ruleText), tweaks);
  const length = chooseLength(rule, tweaks.length);
  const distinctRequired = new Set(rule.required).size;
  if (rule.required.length && length < rule.required.length && rule.required.every((a, i) => rule.required.every((b, j) => i === j || ![...a].some((c) => b.includes(c))))) {
    throw new UsageError(`the rule contradicts itself: length ${length} is shorter than its ${distinctRequired} required character classes`);
  }
  return { sampler: new Sampler(shapeOf(rule), length), length, rule };
}

/** Entropy and description of a rule, for `stv rule check`. */
export function describeRule(ruleText: string, length?: number): { rule: string; length: number; entropy: number; count: bigint; alphabet: string } {
  const rule = parseRule(ruleText);
  const L = chooseLength(rule, length);
  const sampler = new Sampler(shapeOf(rule), L);
  return { rule: formatRule(rule), length: L, entropy: log2(sampler.count), count: sampler.count, alphabet: alphabetOf(rule) };
}

export const RULES_HELP = `Password rules use Apple's Password Rules syntax:

  minlength: 8; maxlength: 16; required: upper; required: digit; allowed: lower;

  minlength / maxlength   length limits
  required: CLASS, …      at least one character from these classes (one line per requirement)
  allowed: CLASS, …       characters that may also be used
  max-consecutive: N      no character repeated more than N times in a row
Classes: upper, lower, digit, special (-~!@#$%^&*_+=\`|(){}[:;"'<>,.?]),
ascii-printable, unicode (generated as ascii-printable), or a custom set in [brackets].
Apple's special and ascii-printable include the space; stickvault never generates
one from them (invisible, and trimmed by many forms): a space comes only from a
custom set that lists it, e.g. 'allowed: [ ]', as some sites' rules do.

Rules come from, most specific first: the entry's own rule, a site rule stored in
the vault ('stv rule set --in-vault SITE RULE'), your own site rules ('stv rule set
SITE RULE': site-rules.json in the config dir, so they apply to every vault, and to
'stv gen --site' while the vault is locked), Apple's bundled site list ('stv rule
update FILE' installs a newer one), then the default (${DEFAULT_RULE}).
'stv gen --site' says which one it used; a site found nowhere gets the default.
Passwords are ${DEFAULT_LENGTH} characters unless the rule or --length says otherwise; every valid
password of that length is equally likely, and the entropy shown is exact.`;

/**
 * A password for an entry by the rule that applies to it, as the protected
 * value the entry's field takes (never a string), and a note saying how it
 * was made. The draw and the random pool it came from are zeroed.
 */
export function generateForEntry(db: Database, e: Entry, o: { length?: number; defaultRule?: string } = {}): { password: ProtectedValue; note: string } {
  const resolved = ruleForEntry(db, e, o.defaultRule);
  const { sampler, length } = samplerFor(resolved.text, { length: o.length, optionsWin: resolved.source === 'default' });
  try {
    const password = sampler.nextProtected();
    return { password, note: `generated ${length} characters, ${log2(sampler.count).toFixed(1)} bits, by ${describeSource(resolved)}` };
  } finally {
    sampler.wipe();
  }
}
