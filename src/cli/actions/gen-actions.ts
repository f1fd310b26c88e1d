/** gen and rule commands. */
import { existsSync, readFileSync } from 'node:fs';
import { UsageError } from '../../errors/index.js';
import { AGENT_SOCKET, loadConfig, resolveVault, runtimeDir } from '../../config/index.js';
import { generate, passphrase, parseRule, describeRule, ruleForSite, hostOf, updateSiteList, userRules, saveUserRules, userRulesPath } from '../../generator/index.js';
import { type GlobalOptions, info, out, printJson } from '../runtime.js';
import { describeSource, saveVaultRules, vaultRules } from '../../generator/index.js';
import { join } from 'node:path';

interface GenOpts {
  length?: string;
  rule?: string;
  site?: string;
  special?: boolean;
  charset?: string;
  excludeAmbiguous?: boolean;
  words?: string;
  separator: string;
  capitalize?: boolean;
  count: string;
}

/** The unlocked vault's stored rules, without ever prompting (agent or explicit password source only). */
async function storedRules(opts: GlobalOptions): Promise<Map<string, string> | undefined> {
  const explicit = opts.passwordFile !== undefined || opts.passwordFd !== undefined;
  if (!explicit && !(opts.agent && existsSync(join(runtimeDir(), AGENT_SOCKET)))) return undefined;
  const { openIfUnlocked } = await import('../session.js');
  const s = await openIfUnlocked(opts);
  if (!s) return undefined;
  try {
    return vaultRules(s.vault.db);
  } finally {
    s.close();
  }
}

export async function gen(opts: GlobalOptions, o: GenOpts): Promise<void> {
  const count = Number(o.count);
  const config = loadConfig();
  const inVault = o.rule === undefined && o.site ? await storedRules(opts) : undefined;
  const resolved = o.rule !== undefined
    ? { text: o.rule, source: 'option' as const }
    : ruleForSite(o.site, { vaultRules: inVault, userRules: o.site ? userRules() : undefined, defaultRule: config.generatorRule });
  const what = o.rule !== undefined ? 'the rule given' : describeSource(resolved);
  // A site found nowhere must not pass silently for one with a rule.
  if (o.site && resolved.source === 'default') {
    const where = inVault ? "your rules, the vault's or Apple's list" : "your rules or Apple's list; the vault's own were not read, it is not unlocked";
    info(opts, `no rule known for ${hostOf(o.site)} (none in ${where}); using the default rule — add one with 'stv rule set ${hostOf(o.site)} RULE'`);
  }
  let results: { value: string; entropy: number }[];
  if (o.words !== undefined) {
    // The default rule describes generated passwords; a passphrase only has to pass a real site rule.
    const rule = resolved.source === 'default' ? undefined : parseRule(resolved.text);
    results = Array.from({ length: count }, () => passphrase({ words: Number(o.words), separator: o.separator, capitalize: Boolean(o.capitalize), rule }));
    info(opts, `passphrase of ${o.words} EFF words, ${rule ? `padded for ${what}` : 'no site rule to pad for'}`);
  } else {
    const g = generate(resolved.text, count, {
      length: o.length === undefined ? undefined : Number(o.length),
      noSpecial: o.special === false,
      charset: o.charset,
      excludeAmbiguous: o.excludeAmbiguous,
      optionsWin: resolved.source === 'default',
    });
    results = g.passwords.map((value) => ({ value, entropy: g.entropy }));
    info(opts, `using ${what}: ${resolved.text.trim()} → ${g.length} characters, ${g.entropy.toFixed(1)} bits`);
  }
  if (opts.json) return printJson(results.map((r) => ({ password: r.value, entropy: Number(r.entropy.toFixed(2)) })));
  process.stdout.write(results.map((r) => r.value).join('\n') + '\n');
}

export async function ruleCheck(opts: GlobalOptions, text: string, o: { length?: string }): Promise<void> {
  const d = describeRule(text, o.length === undefined ? undefined : Number(o.length));
  if (opts.json) return printJson({ rule: d.rule, length: d.length, entropy: d.entropy, count: d.count.toString(), alphabet: d.alphabet });
  out(`rule:     ${d.rule}`);
  out(`length:   ${d.length}`);
  out(`alphabet: ${d.alphabet.length} characters`);
  out(`entropy:  ${d.entropy.toFixed(2)} bits (${d.count} passwords)`);
}

async function withVault(opts: GlobalOptions, fn: (rules: Map<string, string>) => boolean | void): Promise<void> {
  const { openSession } = await import('../session.js');
  const s = await openSession(opts);
  try {
    const rules = vaultRules(s.vault.db);
    if (fn(rules)) {
      saveVaultRules(s.vault.db, rules);
      await s.save();
    }
  } finally {
    s.close();
  }
}

/**
 * Rules go to your own site-rules.json unless --in-vault: they are not
 * secrets, and there every vault and a locked `gen --site` find them.
 */
export async function ruleSet(opts: GlobalOptions, site: string, text: string, o: { inVault?: boolean } = {}): Promise<void> {
  describeRule(text); // refuses invalid or impossible rules before anything is stored
  const host = hostOf(site);
  if (o.inVault) {
    await withVault(opts, (rules) => {
      rules.set(host, text.trim());
      return true;
    });
    return info(opts, `stored the rule for ${host} in the vault`);
  }
  const rules = userRules();
  rules.set(host, text.trim());
  saveUserRules(rules);
  info(opts, `stored the rule for ${host} in ${userRulesPath()} (every vault uses it)`);
}

export async function ruleShow(opts: GlobalOptions, site: string): Promise<void> {
  // Unlike gen, this asks about the vault's own rules: open it (asking if need be) when there is one.
  const config = loadConfig();
  let rules: Map<string, string> | undefined;
  if (existsSync(resolveVault(opts.vault, config).path)) await withVault(opts, (r) => void (rules = r));
  const r = ruleForSite(site, { vaultRules: rules, userRules: userRules(), defaultRule: config.generatorRule });
  if (opts.json) return printJson(r);
  out(`${r.text.trim()}\t(${describeSource(r)})`);
}

/** Your rules, and the vault's when it is unlocked (--in-vault: the vault's only, asking for its password). */
export async function ruleLs(opts: GlobalOptions, o: { inVault?: boolean } = {}): Promise<void> {
  const rows: { site: string; rule: string; source: 'your rules' | 'vault' }[] = [];
  if (!o.inVault) for (const [site, rule] of userRules()) rows.push({ site, rule, source: 'your rules' });
  const vault = o.inVault ? await vaultRulesAsking(opts) : await storedRules(opts);
  for (const [site, rule] of vault ?? []) rows.push({ site, rule, source: 'vault' });
  if (!vault) info(opts, "the vault is locked: its own rules (if any) are not listed; 'stv rule ls --in-vault' asks for its password");
  if (opts.json) return printJson(rows);
  for (const r of rows) out(`${r.site}\t${r.rule}\t(${r.source})`);
}

async function vaultRulesAsking(opts: GlobalOptions): Promise<Map<string, string>> {
  let rules = new Map<string, string>();
  await withVault(opts, (r) => void (rules = r));
  return rules;
}

export async function ruleRm(opts: GlobalOptions, site: string, o: { inVault?: boolean } = {}): Promise<void> {
  const host = hostOf(site);
  if (o.inVault) {
    await withVault(opts, (rules) => {
      if (!rules.delete(host)) throw new UsageError(`no rule for ${host} in the vault; see 'stv rule ls --in-vault'`);
      return true;
    });
    return info(opts, `removed the vault's rule for ${host}`);
  }
  const rules = userRules();
  if (!rules.delete(host)) throw new UsageError(`no rule for ${host} in ${userRulesPath()}; see 'stv rule ls' (a rule stored in the vault: 'stv rule rm --in-vault ${host}')`);
  saveUserRules(rules);
  info(opts, `removed your rule for ${host}`);
}

export async function ruleUpdate(opts: GlobalOptions, file: string): Promise<void> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  info(opts, `installed ${updateSiteList(text)} site rules`);
}
