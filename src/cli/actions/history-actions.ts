/** history, restore, conflicts, resolve over a session (the read ones through the agent when it holds the key). */
import { resolveEntry, restoreVersion, resolveConflict, type ConflictView, type VersionSummary } from '../../vault/index.js';
import { type GlobalOptions, info, out, printJson } from '../runtime.js';
import { openSession } from '../session.js';
import { query, versionNumber } from './read-actions.js';

export async function history(opts: GlobalOptions, entry: string): Promise<void> {
  const r = (await query(opts, 'history', { entry })) as { uuid: string; path: string; versions: VersionSummary[] };
  if (opts.json) return printJson(r);
  out(r.path);
  for (const v of r.versions) {
    const what = v.n === 0 ? 'current' : v.differs.length ? `differs in ${v.differs.join(', ')}` : 'same content';
    out(`${String(v.n).padStart(3)}  ${v.modified}  ${what}${v.conflictSide ? '  (the other side of a conflict)' : ''}`);
  }
  if (r.versions.length > 1) info(opts, `'stv show ${entry} --version N' shows one; 'stv restore ${entry} N' makes it current`);
}

export async function restore(opts: GlobalOptions, entry: string, version: string): Promise<void> {
  const n = versionNumber(version);
  const s = await openSession(opts);
  try {
    const e = resolveEntry(s.vault.db, entry);
    restoreVersion(s.vault.db, e, n);
    await s.save();
    info(opts, `restored version ${n} of ${e.path()}; the version it replaced is now version 1`);
  } finally {
    s.close();
  }
}

export async function conflicts(opts: GlobalOptions): Promise<void> {
  const list = (await query(opts, 'conflicts', {})) as ConflictView[];
  if (opts.json) return printJson(list);
  if (!list.length) return info(opts, 'no conflicts');
  for (const c of list) {
    out(c.path);
    if (c.deletedElsewhere) out('  deleted in another copy that had not seen this version; it was kept');
    for (const f of c.fields) {
      out(`  ${f.field}: ${f.current} (current)`);
      for (const o of f.others) out(`  ${' '.repeat(f.field.length)}  ${o.value} (version ${o.version}, ${o.modified})`);
    }
  }
  info(opts, `settle one with 'stv resolve ENTRY' (keep the current values) or 'stv resolve ENTRY --keep N'`);
}

export async function resolve(opts: GlobalOptions, entry: string, o: { keep?: string }): Promise<void> {
  const keep = !o.keep || o.keep === 'current' ? 'current' : versionNumber(o.keep);
  const s = await openSession(opts);
  try {
    const e = resolveEntry(s.vault.db, entry);
    resolveConflict(s.vault.db, e, keep);
    await s.save();
    info(opts, `resolved ${e.path()}${keep === 'current' ? ' (kept the current values)' : ` (version ${keep} is current)`}`);
  } finally {
    s.close();
  }
}
