/**
 * The password health checks of `stv audit`, per entry: weak (zxcvbn score
 * below the threshold, with the guesses behind it), reused (the same
 * password in several entries, found by an HMAC under a key made for this
 * run — passwords are never compared or printed as text), short, old (the
 * password, not the entry, unchanged for longer than asked; its age comes
 * from the history), expired, and breached (a Pwned Passwords lookup).
 *
 * Skipped: entries in the recycle bin, entries without a password, and
 * entries KeePassXC excludes from its reports (QualityCheck False).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Database, Entry } from '../vault/index.js';
import { strength } from '../generator/index.js';

export type FindingKind = 'weak' | 'reused' | 'short' | 'old' | 'expired' | 'breached';
export const FINDING_KINDS: FindingKind[] = ['weak', 'reused', 'short', 'old', 'expired', 'breached'];

export type Finding =
  | { kind: 'weak'; score: number; guessesLog10: number }
  | { kind: 'reused'; with: string[] }
  | { kind: 'short'; length: number }
  | { kind: 'old'; changed: string; days: number }
  | { kind: 'expired'; expired: string }
  | { kind: 'breached'; count: number };

export interface EntryReport {
  uuid: string;
  path: string;
  findings: Finding[];
}

export interface AuditOptions {
  /** zxcvbn scores below this are weak (0–4; default 3). */
  minScore: number;
  /** Passwords shorter than this (in characters) are short (default 12). */
  minLength: number;
  /** Passwords unchanged for longer than this many milliseconds are old; undefined: not checked. */
  olderThanMs?: number;
  /** Breach counts by upper-case SHA-1; undefined: not checked. */
  breachCounts?: (sha1s: string[]) => Promise<Map<string, number>>;
  now?: number;
}

export interface AuditReport {
  audited: number;
  skipped: { recycled: number; noPassword: number; excluded: number };
  totals: Record<FindingKind, number>;
  /** Groups of entries sharing one password. */
  reuseGroups: number;
  breachChecked: boolean;
  entries: EntryReport[];
}

/** When the current password was set: the oldest unbroken run of versions that carry it. */
export function passwordSetAt(e: Entry): Date {
  const pw = e.get('Password');
  let at = e.times.lastModification;
  for (let i = e.history.length - 1; i >= 0; i--) {
    if (e.history[i].get('Password') !== pw) break;
    at = e.history[i].times.lastModification;
  }
  return at;
}

export async function auditEntries(db: Database, entries: Iterable<Entry>, o: AuditOptions): Promise<AuditReport> {
  const now = o.now ?? Date.now();
  const skipped = { recycled: 0, noPassword: 0, excluded: 0 };
  const eligible = (e: Entry) => !db.isInRecycleBin(e) && e.qualityCheck && e.get('Password') !== '';
  const audited: Entry[] = [];
  for (const e of entries) {
    if (db.isInRecycleBin(e)) skipped.recycled++;
    else if (!e.qualityCheck) skipped.excluded++;
    else if (!e.get('Password')) skipped.noPassword++;
    else audited.push(e);
  }
  // Reuse is looked for across the whole vault, also when only a group is audited.
  const key = randomBytes(32);
  const macs = new Map<Entry, string>();
  const byMac = new Map<string, Entry[]>();
  for (const e of db.entries()) {
    if (!eligible(e)) continue;
    const pw = e.getBytes('Password');
    const mac = createHmac('sha256', key).update(pw).digest('hex');
    pw.fill(0);
    macs.set(e, mac);
    byMac.set(mac, [...(byMac.get(mac) ?? []), e]);
  }
  key.fill(0);
  const sha1s = new Map<Entry, string>();
  if (o.breachCounts) {
    for (const e of audited) {
      const pw = e.getBytes('Password');
      sha1s.set(e, createHash('sha1').update(pw).digest('hex').toUpperCase());
      pw.fill(0);
    }
  }
  const counts = o.breachCounts ? await o.breachCounts([...new Set(sha1s.values())]) : new Map<string, number>();
  const scores = new Map<string, { score: number; guessesLog10: number }>();
  const reports: EntryReport[] = [];
  for (const e of audited) {
    const findings: Finding[] = [];
    const mac = macs.get(e)!;
    let s = scores.get(mac); // a reused password is scored once
    if (!s) {
      const r = await strength(e.get('Password'));
      s = { score: r.score, guessesLog10: Math.round(r.guessesLog10 * 10) / 10 };
      scores.set(mac, s);
    }
    if (s.score < o.minScore) findings.push({ kind: 'weak', ...s });
    const same = byMac.get(mac)!;
    if (same.length > 1) findings.push({ kind: 'reused', with: same.filter((x) => x !== e).map((x) => x.path()) });
    const length = [...e.get('Password')].length;
    if (length < o.minLength) findings.push({ kind: 'short', length });
    if (o.olderThanMs !== undefined) {
      const set = passwordSetAt(e);
      if (now - set.getTime() > o.olderThanMs) findings.push({ kind: 'old', changed: set.toISOString(), days: Math.floor((now - set.getTime()) / 86_400_000) });
    }
    if (e.times.expires && e.times.expiry.getTime() <= now) findings.push({ kind: 'expired', expired: e.times.expiry.toISOString() });
    const count = counts.get(sha1s.get(e) ?? '') ?? 0;
    if (count > 0) findings.push({ kind: 'breached', count });
    if (findings.length) reports.push({ uuid: e.uuid, path: e.path(), findings });
  }
  const totals = Object.fromEntries(FINDING_KINDS.map((k) => [k, reports.filter((r) => r.findings.some((f) => f.kind === k)).length])) as Record<FindingKind, number>;
  return {
    audited: audited.length,
    skipped,
    totals,
    reuseGroups: [...byMac.values()].filter((g) => g.length > 1).length,
    breachChecked: Boolean(o.breachCounts),
    entries: reports,
  };
}

/** `1y`, `6m`, `90d`, `12w`, `36h` → milliseconds; undefined for anything else. */
export function parseAge(text: string): number | undefined {
  const m = /^(\d+)\s*([ymwdh])$/i.exec(text.trim());
  if (!m) return undefined;
  const day = 86_400_000;
  const unit = { y: 365 * day, m: 30 * day, w: 7 * day, d: day, h: 3_600_000 }[m[2].toLowerCase() as 'y' | 'm' | 'w' | 'd' | 'h'];
  return Number(m[1]) * unit;
}
