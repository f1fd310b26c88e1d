/** Rules for an entry or site, from every source in order, and generation for add/edit -g. */
import type { Database, Entry } from '../vault/index.js';
import { ruleForSite, generate, hostOf, userRules, VAULT_RULES_KEY, ENTRY_RULE_KEY, type ResolvedRule } from '../generator/index.js';
import type { Session } from './session.js';
import { UsageError } from '../errors/index.js';

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

export async function generateForEntry(s: Session, e: Entry, length?: string): Promise<{ password: string; note: string }> {
  const url = e.get('URL');
  let site: string | undefined;
  try {
    site = url ? hostOf(url) : undefined;
  } catch {
    site = undefined;
  }
  const resolved = ruleForSite(site, { entryRule: e.customData.get(ENTRY_RULE_KEY)?.value, vaultRules: vaultRules(s.vault.db), userRules: userRules(), defaultRule: s.config.generatorRule });
  const g = generate(resolved.text, 1, { length: length === undefined ? undefined : Number(length), optionsWin: resolved.source === 'default' });
  return { password: g.passwords[0], note: `generated ${g.length} characters, ${g.entropy.toFixed(1)} bits, by ${describeSource(resolved)}` };
}
