/**
 * `store` and `erase` on the opened vault. `store` updates the entry that
 * matches the request exactly (same site, path and username) — the old
 * password goes into its history — or adds one under the configured group.
 * `erase` moves an entry to the recycle bin only when site, path, username
 * and password all match: git erases the credential that just failed, and a
 * vault entry the user changed meanwhile must not go with it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { NotFoundError } from '../errors/index.js';
import { newEntry, resolveGroup, type Entry, type Group, type Database } from '../vault/index.js';
import { requestUrl, siteOfRequest, siteOfUrl, type Site } from './match.js';
import type { CredentialRequest } from './protocol.js';

/** The group new git credentials go to when the config names none. */
export const DEFAULT_GIT_GROUP = 'Git';

/** Extra values git hands to store that a later get must give back (git ≥ 2.41). */
const KEPT_FIELDS: Record<string, { field: string; protect: boolean }> = {
  oauth_refresh_token: { field: 'oauth_refresh_token', protect: true },
  password_expiry_utc: { field: 'password_expiry_utc', protect: false },
};

/** Password equality without a comparison whose time tells how much of a guess was right. */
function samePassword(a: string, b: string): boolean {
  const d = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(d(a), d(b));
}

function sameSite(a: Site, b: Site): boolean {
  return a.protocol === b.protocol && a.hostname === b.hostname && a.port === b.port && a.path === b.path;
}

/** Live entries whose URL names exactly the request's site and path, with its username. */
export function exactMatches(db: Database, req: CredentialRequest): Entry[] {
  const want = siteOfRequest(req);
  if (!want) return [];
  const out: Entry[] = [];
  for (const e of db.entries()) {
    if (db.isInRecycleBin(e)) continue;
    const site = siteOfUrl(e.get('URL'));
    if (site && sameSite(site, want) && e.get('UserName') === (req.username ?? '')) out.push(e);
  }
  return out;
}

export type StoreOutcome = { kind: 'added' | 'updated' | 'unchanged'; path: string } | { kind: 'skipped'; why: string };

export function storeCredential(db: Database, req: CredentialRequest, groupPath: string): StoreOutcome {
  if (!siteOfRequest(req) || req.username === undefined || req.password === undefined) return { kind: 'skipped', why: 'the request lacks a protocol, host, username or password' };
  const expiry = Number(req.other.password_expiry_utc);
  if (Number.isFinite(expiry) && expiry > 0 && expiry * 1000 <= Date.now()) return { kind: 'skipped', why: 'the password has already expired' };
  const matches = exactMatches(db, req);
  if (matches.length > 1) return { kind: 'skipped', why: `${matches.length} entries match (${matches.map((e) => e.path()).join(', ')})` };
  const kept = Object.entries(KEPT_FIELDS).filter(([k]) => req.other[k] !== undefined);
  if (matches.length === 1) {
    const e = matches[0];
    const same = samePassword(e.get('Password'), req.password) && kept.every(([k, f]) => e.get(f.field) === req.other[k]);
    if (same) return { kind: 'unchanged', path: e.path() };
    db.updateEntry(e, (x) => {
      x.set('Password', req.password!, true);
      for (const [k, f] of kept) x.set(f.field, req.other[k], f.protect);
    });
    return { kind: 'updated', path: e.path() };
  }
  const group = ensureGroup(db, groupPath);
  const e = newEntry(req.path ? `${req.host}/${req.path.replace(/^\/+/, '')}` : req.host!);
  e.set('UserName', req.username);
  e.set('Password', req.password, true);
  e.set('URL', requestUrl(req));
  for (const [k, f] of kept) e.set(f.field, req.other[k], f.protect);
  group.addEntry(e);
  return { kind: 'added', path: e.path() };
}

function ensureGroup(db: Database, path: string): Group {
  try {
    return resolveGroup(db, path);
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e;
  }
  return db.root.ensureGroup(path.split('/').filter(Boolean)).group;
}

export type EraseOutcome = { kind: 'erased'; path: string } | { kind: 'kept'; why: string };

export function eraseCredential(db: Database, req: CredentialRequest): EraseOutcome {
  if (req.password === undefined) return { kind: 'kept', why: 'git sent no password, so nothing matches exactly' };
  const matches = exactMatches(db, req).filter((e) => samePassword(e.get('Password'), req.password!));
  if (matches.length !== 1) return { kind: 'kept', why: matches.length ? `${matches.length} entries match exactly` : 'no entry matches exactly' };
  const path = matches[0].path();
  db.removeEntry(matches[0]);
  return { kind: 'erased', path };
}
