/**
 * The alias registry lives in the encrypted vault only (it reveals where the
 * user has accounts): the setup in Meta CustomData, each alias with its entry
 * (entry CustomData `stickvault.alias`), and every tag ever issued, so a tag
 * is never issued twice: not while its entry lives (in the recycle bin too),
 * and not after the entry is deleted for good — `rm --permanent`, emptying the
 * recycle bin, or a merge that applies another copy's deletion (DeletedObjects,
 * docs/kdbx.md) — when no entry is left to show the tag was taken.
 */
import { randomBytes } from 'node:crypto';
import { getDomain, getHostname } from 'tldts';
import { UsageError, NotFoundError } from '../errors/index.js';
import { newEntry, type Entry, type Group, type Database } from '../vault/index.js';
import { codeFor, MAX_LOCAL, splitAddress, tagForSite, cleanTag, validateAddress } from './derive.js';

export const SETUP_KEY = 'stickvault.aliases';
export const ENTRY_KEY = 'stickvault.alias';

export interface AliasSetup {
  bases: string[];
  /** Separators the mail server accepts, in order of preference. */
  separators: string[];
  style: 'plain' | 'code';
  /** base64 HMAC key for code-style tags. */
  secret?: string;
  /** Sites whose forms reject '+'. */
  noPlus: string[];
  /** Tags that must never be issued again because they were burnt. */
  retired: string[];
  /**
   * Every tag issued from this vault, recorded as it is issued: its entry may
   * later be deleted for good, here or by a merge, and the tag must stay taken.
   * Absent in vaults from before it: there the first alias issued records the
   * tags of the aliases that still exist.
   */
  issued?: string[];
  /**
   * Every burnt alias, kept here as well as on its entry: the server must go on
   * refusing it after the entry gets a new alias or is deleted.
   */
  burnt?: AliasRecord[];
}

export interface AliasRecord {
  address: string;
  tag: string;
  site: string;
  created: string;
  burnt?: string;
}

export function getSetup(db: Database): AliasSetup {
  const raw = db.getCustomData(SETUP_KEY);
  if (!raw) throw new UsageError("no alias setup in this vault; run 'stv alias setup --base you@example.com'");
  return JSON.parse(raw) as AliasSetup;
}

function saveSetup(db: Database, s: AliasSetup): void {
  db.setCustomData(SETUP_KEY, JSON.stringify(s));
}

export function setupAliases(db: Database, o: { bases: string[]; separators?: string[]; style?: 'plain' | 'code'; noPlus?: string[] }): AliasSetup {
  if (!o.bases.length) throw new UsageError('give at least one --base address');
  const separators = o.separators?.length ? o.separators : ['+', '-'];
  for (const sep of separators) if (!/^[+\-_.=]$/.test(sep)) throw new UsageError(`separator '${sep}' must be one of + - _ . =`);
  for (const base of o.bases) {
    validateAddress(base);
    const { local } = splitAddress(base);
    for (const sep of separators) if (local.includes(sep)) throw new UsageError(`the base address ${base} contains the separator '${sep}', so tags could not be told apart`);
  }
  const previous = db.getCustomData(SETUP_KEY) ? getSetup(db) : undefined;
  const style = o.style ?? previous?.style ?? 'plain';
  const setup: AliasSetup = {
    bases: o.bases.map((b) => b.toLowerCase()),
    separators,
    style,
    secret: previous?.secret ?? (style === 'code' ? randomBytes(32).toString('base64') : undefined),
    noPlus: [...new Set([...(previous?.noPlus ?? []), ...(o.noPlus ?? [])])],
    retired: previous?.retired ?? [],
    issued: previous?.issued ?? [],
    burnt: previous?.burnt ?? [],
  };
  if (style === 'code' && !setup.secret) setup.secret = randomBytes(32).toString('base64');
  saveSetup(db, setup);
  return setup;
}

export function recordOf(e: Entry): AliasRecord | undefined {
  const raw = e.customData.get(ENTRY_KEY)?.value;
  return raw ? (JSON.parse(raw) as AliasRecord) : undefined;
}

export function listAliases(db: Database): { entry: Entry; record: AliasRecord }[] {
  const out: { entry: Entry; record: AliasRecord }[] = [];
  for (const e of db.entries()) {
    const r = recordOf(e);
    if (r) out.push({ entry: e, record: r });
  }
  return out;
}

/** Tags ever issued, in use or retired, here and in other vaults that share the base address. */
function takenTags(db: Database, setup: AliasSetup, others: string[]): Set<string> {
  const taken = new Set([...setup.retired, ...(setup.issued ?? []), ...others]);
  for (const { record } of listAliases(db)) taken.add(record.tag);
  return taken;
}

export interface NewAliasOptions {
  tag?: string;
  base?: string;
  /** Tags used by other vaults with the same base address. */
  otherVaultTags?: string[];
}

export function newAlias(db: Database, site: string, o: NewAliasOptions = {}): AliasRecord {
  const setup = getSetup(db);
  const base = (o.base ?? setup.bases[0]).toLowerCase();
  if (!setup.bases.includes(base)) throw new UsageError(`${base} is not one of the alias bases (${setup.bases.join(', ')})`);
  const { local, domain } = splitAddress(base);
  const host = site.includes('://') ? new URL(site).hostname : site.toLowerCase();
  const noPlus = setup.noPlus.some((s) => host === s || host.endsWith(`.${s}`));
  const sep = setup.separators.find((s) => !(noPlus && s === '+'));
  if (!sep) throw new UsageError(`${host} rejects '+' and no other separator is set up; add one with 'stv alias setup --separator -'`);
  let readable = o.tag !== undefined ? cleanTag(o.tag) : tagForSite(site);
  if (!readable) throw new UsageError('the tag is empty after removing characters forms reject; use letters and digits');
  const code = setup.style === 'code' ? CODE_ROOM : 0;
  const room = MAX_LOCAL - Buffer.byteLength(local) - sep.length - code - 3; // 3 for a numeric suffix
  if (room < 1) throw new UsageError(`the base address ${base} leaves no room for a tag`);
  readable = readable.slice(0, room).replace(/[._]+$/, '');
  const taken = takenTags(db, setup, o.otherVaultTags ?? []);
  let tag = readable;
  for (let n = 2; taken.has(tag); n++) tag = `${readable}${n}`;
  const fullTag = setup.style === 'code' ? `${tag}.${codeFor(tag, Buffer.from(setup.secret!, 'base64'))}` : tag;
  const address = `${local}${sep}${fullTag}@${domain}`;
  validateAddress(address);
  return { address, tag, site: host, created: new Date().toISOString() };
}

const CODE_ROOM = 9; // '.' + 8 hex

/** Give an entry a new alias and make it the entry's username; its tag is recorded as issued for good. */
export function assignAlias(db: Database, e: Entry, site: string, o: NewAliasOptions = {}): AliasRecord {
  const r = newAlias(db, site, o);
  const setup = getSetup(db);
  // With the tags of the aliases that exist now: a vault from before `issued` learns them here.
  setup.issued = [...new Set([...(setup.issued ?? []), ...listAliases(db).map((a) => a.record.tag), r.tag])];
  saveSetup(db, setup);
  e.customData.set(ENTRY_KEY, { value: JSON.stringify(r), lastModified: new Date(Math.floor(Date.now() / 1000) * 1000) });
  e.set('UserName', r.address);
  return r;
}

/** The registrable domain (or the host, for IPs and bare names) a site or URL names. */
function siteKey(site: string): string | undefined {
  const url = site.includes('://') ? site : `https://${site}`;
  return (getDomain(url) ?? getHostname(url) ?? undefined)?.toLowerCase();
}

/**
 * A new alias for `site`, recorded where the registry keeps aliases: on the
 * site's one entry (the alias becomes its username, the old one stays in its
 * history), or on a new entry for the site when it has none. Several entries
 * for the site: NotFoundError listing them (choose with `edit ENTRY --alias`).
 */
export function aliasForSite(db: Database, site: string, o: NewAliasOptions & { group?: string } = {}): { record: AliasRecord; entry: Entry; created: boolean } {
  const key = siteKey(site);
  if (!key) throw new UsageError(`'${site}' is not a domain or URL`);
  const matches = [...db.entries()].filter((e) => !db.isInRecycleBin(e) && e.get('URL') && siteKey(e.get('URL')) === key);
  if (matches.length > 1) {
    const paths = matches.map((e) => e.path());
    throw new NotFoundError(`${key} has ${matches.length} entries (${paths.join(', ')}); give the alias to one with 'stv edit ENTRY --alias'`, paths);
  }
  if (matches.length === 1) {
    let record: AliasRecord | undefined;
    db.updateEntry(matches[0], (e) => (record = assignAlias(db, e, site, o)));
    return { record: record!, entry: matches[0], created: false };
  }
  // Titled as pass and browser extensions name a site's entry: its host, without 'www.'.
  const host = getHostname(site.includes('://') ? site : `https://${site}`) ?? site;
  const entry = newEntry(host.replace(/^www\./, ''));
  entry.set('URL', site.includes('://') ? site : `https://${site}`);
  groupFor(db, o.group ?? ALIAS_GROUP).addEntry(entry);
  return { record: assignAlias(db, entry, site, o), entry, created: true };
}

/** Where `alias new` puts an entry it creates for a site that has none. */
export const ALIAS_GROUP = 'Aliases';

function groupFor(db: Database, path: string): Group {
  return db.root.ensureGroup(path.split('/').filter(Boolean)).group;
}

/** Every address in a header line or text ("To: Fred <fred+x@example.com>, b@c.d"). */
export function addressesIn(text: string): string[] {
  return [...text.matchAll(/[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}/g)].map((m) => m[0]);
}

export interface WhoIs {
  address: string;
  path: string;
  site: string;
  created: string;
  burnt?: string;
}

/** Aliases an address names: the same address, or the same tag under another accepted separator. */
function findAliases(db: Database, address: string): { entry: Entry; record: AliasRecord }[] {
  const setup = getSetup(db);
  const { local, domain } = splitAddress(address.toLowerCase());
  const tagOf = (l: string): string | undefined => {
    for (const base of setup.bases) {
      const b = splitAddress(base).local;
      for (const sep of setup.separators) if (l.startsWith(b + sep)) return l.slice(b.length + sep.length);
    }
    return undefined;
  };
  const wanted = tagOf(local);
  return listAliases(db).filter(({ record }) => {
    const r = splitAddress(record.address.toLowerCase());
    return r.domain === domain && (r.local === local || (wanted !== undefined && tagOf(r.local) === wanted));
  });
}

export function whoIs(db: Database, text: string): WhoIs[] {
  const out: WhoIs[] = [];
  // A whole header names one address several times (To:, Delivered-To:, X-Original-To:): answer each once.
  const seen = new Set<string>();
  for (const address of addressesIn(text)) {
    if (seen.has(address.toLowerCase())) continue;
    seen.add(address.toLowerCase());
    for (const { entry, record } of findAliases(db, address)) out.push({ address, path: entry.path(), site: record.site, created: record.created, burnt: record.burnt });
    // A burnt alias its entry no longer holds (the entry has a newer one, or is gone).
    for (const r of getSetup(db).burnt ?? []) {
      if (r.address === address.toLowerCase() && !out.some((w) => w.address === address)) out.push({ address, path: '(no longer on an entry)', site: r.site, created: r.created, burnt: r.burnt });
    }
  }
  if (!out.length) throw new NotFoundError(`no alias matches ${addressesIn(text).join(', ') || `'${text}'`}`);
  return out;
}

/** Mark an alias leaked/disabled; its tag is never issued again. */
export function burnAlias(db: Database, address: string): AliasRecord {
  const hits = findAliases(db, address);
  if (!hits.length) throw new NotFoundError(`no alias ${address}; list them with 'stv alias ls'`);
  const { entry, record } = hits[0];
  record.burnt = new Date().toISOString();
  entry.customData.set(ENTRY_KEY, { value: JSON.stringify(record), lastModified: new Date(Math.floor(Date.now() / 1000) * 1000) });
  const setup = getSetup(db);
  if (!setup.retired.includes(record.tag)) setup.retired.push(record.tag);
  setup.burnt = [...(setup.burnt ?? []).filter((b) => b.address !== record.address), record];
  saveSetup(db, setup);
  return record;
}

/** Every burnt alias, whether or not an entry still holds it: what the server must refuse. */
export function burntAliases(db: Database): AliasRecord[] {
  const byAddress = new Map<string, AliasRecord>();
  for (const r of getSetup(db).burnt ?? []) byAddress.set(r.address, r);
  for (const { record } of listAliases(db)) if (record.burnt) byAddress.set(record.address, record);
  return [...byAddress.values()];
}

export function markNoPlus(db: Database, site: string): void {
  const setup = getSetup(db);
  const host = site.includes('://') ? new URL(site).hostname : site.toLowerCase();
  if (!setup.noPlus.includes(host)) setup.noPlus.push(host);
  saveSetup(db, setup);
}
