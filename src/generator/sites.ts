/**
 * Where a rule comes from, most specific first: the entry's own rule, a
 * per-site rule stored in the vault, your own site rules (site-rules.json in
 * the config dir: not secrets, so they apply to every vault and while it is
 * locked), the bundled (or updated) site list from Apple's
 * password-manager-resources, then the default. Sites match by exact host,
 * then by registrable domain (tldts), so accounts.example.co.uk finds a rule
 * for example.co.uk.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getDomain, getHostname } from 'tldts';
import { UsageError } from '../errors/index.js';
import { configDir, stateDir, writeFileAtomic, ensurePrivateDir } from '../config/index.js';
import { parseRule, DEFAULT_RULE } from './rules.js';

export type RuleSource = 'entry' | 'vault' | 'your rules' | 'site list' | 'default' | 'option';

export interface ResolvedRule {
  text: string;
  source: RuleSource;
  /** The site key the rule was found under. */
  site?: string;
}

/** The data folder, found from wherever this code runs (dist/, dist/chunks/, src/generator/). */
export function dataDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'data', 'password-rules.json'))) return join(dir, 'data');
    dir = dirname(dir);
  }
  throw new Error('data/password-rules.json not found next to stickvault');
}

const updatedListPath = () => join(stateDir(), 'password-rules.json');

let cached: Record<string, string> | undefined;

/** site → rule text, from `stv rule update FILE` if given, else the bundled list. */
export function siteList(): Record<string, string> {
  if (cached) return cached;
  const path = existsSync(updatedListPath()) ? updatedListPath() : join(dataDir(), 'password-rules.json');
  cached = flattenList(JSON.parse(readFileSync(path, 'utf8')) as Record<string, { 'password-rules'?: string }>);
  return cached;
}

function flattenList(raw: Record<string, { 'password-rules'?: string }>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [site, v] of Object.entries(raw)) if (v && typeof v['password-rules'] === 'string') out[site.toLowerCase()] = v['password-rules'];
  return out;
}

/** Validate and install a newer copy of Apple's password-rules.json. */
export function updateSiteList(text: string): number {
  let raw: Record<string, { 'password-rules'?: string }>;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`not a password-rules.json file: ${(e as Error).message}`);
  }
  const flat = flattenList(raw);
  const n = Object.keys(flat).length;
  if (!n) throw new UsageError('the file has no site rules ({"site": {"password-rules": "..."}})');
  for (const [site, rule] of Object.entries(flat)) {
    try {
      parseRule(rule);
    } catch (e) {
      throw new UsageError(`rule for ${site} is invalid: ${(e as Error).message}`);
    }
  }
  ensurePrivateDir(stateDir());
  writeFileAtomic(updatedListPath(), text);
  cached = undefined;
  return n;
}

/** The host of a domain or URL, lower-cased. */
export function hostOf(site: string): string {
  const h = getHostname(site.includes('://') ? site : `https://${site}`);
  if (!h) throw new UsageError(`'${site}' is not a domain or URL`);
  return h.toLowerCase();
}

function lookup(map: Record<string, string> | Map<string, string> | undefined, host: string): { site: string; text: string } | undefined {
  if (!map) return undefined;
  const get = (k: string) => (map instanceof Map ? map.get(k) : map[k]);
  const candidates = [host, host.replace(/^www\./, ''), getDomain(host) ?? ''].filter(Boolean);
  for (const c of candidates) {
    const t = get(c);
    if (t) return { site: c, text: t };
  }
  return undefined;
}

export interface RuleSources {
  entryRule?: string;
  vaultRules?: Map<string, string>;
  /** The user's own rules (userRules()). */
  userRules?: Map<string, string>;
  defaultRule?: string;
}

export const userRulesPath = (): string => join(configDir(), 'site-rules.json');

/** The user's site rules (site → rule text); empty when the file does not exist. */
export function userRules(): Map<string, string> {
  const path = userRulesPath();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`invalid ${path}: ${(e as Error).message}; fix the JSON or remove the file`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || Object.values(raw).some((v) => typeof v !== 'string')) {
    throw new UsageError(`invalid ${path}: it must map sites to rule texts ({"example.com": "maxlength: 16;"})`);
  }
  return new Map(Object.entries(raw as Record<string, string>));
}

export function saveUserRules(rules: Map<string, string>): void {
  ensurePrivateDir(configDir());
  writeFileAtomic(userRulesPath(), JSON.stringify(Object.fromEntries([...rules].sort()), null, 2) + '\n');
}

export function ruleForSite(site: string | undefined, sources: RuleSources = {}): ResolvedRule {
  if (sources.entryRule) return { text: sources.entryRule, source: 'entry' };
  if (site) {
    const host = hostOf(site);
    const v = lookup(sources.vaultRules, host);
    if (v) return { text: v.text, source: 'vault', site: v.site };
    const u = lookup(sources.userRules, host);
    if (u) return { text: u.text, source: 'your rules', site: u.site };
    const l = lookup(siteList(), host);
    if (l) return { text: l.text, source: 'site list', site: l.site };
  }
  return { text: sources.defaultRule ?? DEFAULT_RULE, source: 'default' };
}
