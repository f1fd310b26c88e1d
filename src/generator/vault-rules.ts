/** Rules stored in a vault (per site, per entry) and the rule that applies to an entry. */
import type { Database, Entry } from '../vault/index.js';
import { UsageError } from '../errors/index.js';
import { ruleForSite, hostOf, userRules, type ResolvedRule } from './sites.js';

/** Meta CustomData key of the vault's per-site rules (JSON: site → rule). */
export const VAULT_RULES_KEY = 'stickvault.site-rules';
/** Entry CustomData key of an entry's own rule. */
export const ENTRY_RULE_KEY = 'stickvault.rule';

export function vaultRules(db: Database): Map<string, string> {
  const raw = db.getCustomData(VAULT_RULES_KEY);
  if (!raw) return new Map();
  try {
    return new Map(Object.entries(JSON.parse(raw) as Record<string, string>));
  } catch {
    throw new UsageError(`the vault's ${VAULT_RULES_KEY} data is damaged; remove it with 'stv rule rm --in-vault'`);
  }
}

export function saveVaultRules(db: Database, rules: Map<string, string>): void {
  db.setCustomData(VAULT_RULES_KEY, rules.size ? JSON.stringify(Object.fromEntries([...rules].sort())) : undefined);
}

export function describeSource(r: ResolvedRule): string {
  if (r.source === 'default') return 'the default rule';
  if (r.source === 'entry') return "the entry's own rule";
  return `the rule for ${r.site} (${r.source === 'vault' ? 'stored in the vault' : r.source === 'your rules' ? 'your rules' : "Apple's site list"})`;
}

/** The rule for an entry, from every source in order: its own, the vault's for its site, the user's, Apple's, the default. */
export function ruleForEntry(db: Database, e: Entry, defaultRule?: string): ResolvedRule {
  const url = e.get('URL');
  let site: string | undefined;
  try {
    site = url ? hostOf(url) : undefined;
  } catch {
    site = undefined;
  }
  return ruleForSite(site, { entryRule: e.customData.get(ENTRY_RULE_KEY)?.value, vaultRules: vaultRules(db), userRules: userRules(), defaultRule });
}
