/** stv audit: run the checks over the opened vault and print a summary, the flagged entries, and details with -v. */
import { UsageError } from '../../errors/index.js';
import { resolveGroup } from '../../vault/index.js';
import { auditEntries, parseAge, HibpFile, rangeClient, DEFAULT_RANGE_URL, FINDING_KINDS, type AuditReport, type Finding } from '../../audit/index.js';
import { type GlobalOptions, out, printJson } from '../runtime.js';
import { openSession } from '../session.js';
import { finishWith } from '../exit-codes.js';

export interface AuditFlags {
  hibp?: string;
  hibpOnline?: boolean;
  hibpUrl?: string;
  olderThan?: string;
  minLength?: string;
  minScore?: string;
  verbose?: boolean;
}

function intFlag(v: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got '${v}'`);
  return Number(v);
}

export async function audit(opts: GlobalOptions, group: string | undefined, o: AuditFlags): Promise<void> {
  if (o.hibp && o.hibpOnline) throw new UsageError('use either --hibp FILE or --hibp-online');
  const olderThanMs = o.olderThan === undefined ? undefined : parseAge(o.olderThan);
  if (o.olderThan !== undefined && olderThanMs === undefined) throw new UsageError(`--older-than takes a number and a unit (y, m, w, d, h), e.g. 1y or 90d; got '${o.olderThan}'`);
  const minLength = intFlag(o.minLength, '--min-length', 12, 1, 1000);
  const minScore = intFlag(o.minScore, '--min-score', 3, 0, 4);
  // Check the breach file before asking for the master password.
  const file = o.hibp ? HibpFile.open(o.hibp) : undefined;
  try {
    const s = await openSession(opts);
    try {
      const baseUrl = o.hibpUrl ?? s.config.hibpRangeUrl ?? DEFAULT_RANGE_URL;
      const online = o.hibpOnline ? rangeClient(baseUrl) : undefined;
      const breachCounts = file
        ? async (sha1s: string[]) => new Map(sha1s.map((h) => [h, file.count(h)]))
        : online
          ? (sha1s: string[]) => online.counts(sha1s)
          : undefined;
      const g = resolveGroup(s.vault.db, group);
      const report = await auditEntries(s.vault.db, g.allEntries(), { minScore, minLength, olderThanMs, breachCounts });
      print(opts, report, { verbose: Boolean(o.verbose), source: file ? o.hibp! : online ? baseUrl : undefined, olderThan: o.olderThan });
      if (report.entries.length) finishWith('problems-found');
    } finally {
      s.close();
    }
  } finally {
    file?.close();
  }
}

function describe(f: Finding): string {
  switch (f.kind) {
    case 'weak':
      return `weak: zxcvbn score ${f.score} of 4, about 10^${f.guessesLog10} guesses`;
    case 'reused':
      return `reused: the same password as ${f.with.join(', ')}`;
    case 'short':
      return `short: ${f.length} characters`;
    case 'old':
      return `old: unchanged since ${f.changed.slice(0, 10)} (${f.days} days)`;
    case 'expired':
      return `expired: on ${f.expired.slice(0, 10)}`;
    case 'breached':
      return `breached: seen ${f.count.toLocaleString('en')} times in data breaches`;
  }
}

function print(opts: GlobalOptions, r: AuditReport, how: { verbose: boolean; source?: string; olderThan?: string }): void {
  if (opts.json) return printJson(r);
  const skipped = r.skipped.recycled + r.skipped.noPassword + r.skipped.excluded;
  const why = [
    r.skipped.recycled && `${r.skipped.recycled} in the recycle bin`,
    r.skipped.noPassword && `${r.skipped.noPassword} without a password`,
    r.skipped.excluded && `${r.skipped.excluded} excluded from reports`,
  ].filter(Boolean).join(', ');
  out(`audited ${r.audited} entries${skipped ? ` (skipped ${why})` : ''}: ${r.entries.length ? `${r.entries.length} need a look` : 'nothing found'}`);
  for (const k of FINDING_KINDS) {
    const note =
      k === 'reused' && r.reuseGroups ? ` (${r.reuseGroups} password${r.reuseGroups === 1 ? '' : 's'} shared by several entries)`
      : k === 'old' && !how.olderThan ? ' (not checked; --older-than 1y)'
      : k === 'old' ? ` (unchanged for more than ${how.olderThan})`
      : k === 'breached' ? (how.source ? ` (Pwned Passwords: ${how.source})` : ' (not checked; --hibp FILE or --hibp-online)')
      : '';
    out(`  ${k.padEnd(9)}${String(r.totals[k]).padStart(6)}${note}`);
  }
  for (const e of r.entries) {
    out(`${e.path}: ${e.findings.map((f) => f.kind).join(', ')}`);
    if (how.verbose) for (const f of e.findings) out(`  ${describe(f)}`);
  }
}
