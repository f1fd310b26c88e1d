/**
 * Syncing the copies of one vault so that they converge and no edit is lost:
 * 1. every readable copy byte-identical → nothing to do, no key needed
 *    (a missing copy is created from it);
 * 2. one content is known to this machine (its ledger: written here, or
 *    opened here with the key) and known to descend from every other copy's
 *    content → its bytes are copied over them, no key needed. A stick's
 *    sidecar is only a hint: a copy this machine cannot vouch for is never
 *    copied over another without being opened with the key first;
 * 3. otherwise every distinct content and every distinct base (the last
 *    converged state each copy took part in) is opened with the key and
 *    merged in one n-way step (mergeCopies), so the result does not depend
 *    on which copy is local or in what order the sticks were found. When the
 *    result is one of the copies, that copy's bytes are written verbatim.
 * Each copy is written crash-safely and read back before the next, then its
 * base (the exact bytes every copy got); a replaced copy is kept as a
 * generation. A copy that fails is reported and every other copy goes on.
 */
import { StvError, WrongKeyError, CorruptFileError } from '../errors/index.js';
import { Vault, sameDigest, sha256Hex, mergeCopies, type Change, type FieldConflict, type Database, type FileStamp } from '../vault/index.js';
import { SafeReadError } from '../config/index.js';
import { Ledger } from './ledger.js';
import { vaultIdOf, VAULT_ID_KEY } from './vault-id.js';
import type { CopyRef } from './copies.js';
import { afterStickSync, describeRotation } from './rotate.js';
import type { OpenHow } from './keys.js';

/** 'merged': a conflict copy whose content is in the result, moved to .stickvault/merged-conflicts/. */
export type CopyStatus = 'unchanged' | 'updated' | 'created' | 'failed' | 'merged';

export interface CopyResult {
  label: string;
  path: string;
  kind: CopyRef['kind'];
  stickId?: string;
  status: CopyStatus;
  /** Why it failed, or a note (e.g. a damaged file was replaced). */
  detail?: string;
  /** Housekeeping done on the copy that needs no attention (old-key generations removed, rotate.ts). */
  note?: string;
}

/** A known stick that holds this vault but is not mounted now. */
export interface AbsentStick {
  label: string;
  id: string;
  lastPath: string;
  lastSynced?: string;
  /** Syncs of this vault since the stick last took part, when known. */
  syncsBehind?: number;
}

export interface SyncReport {
  vaultId: string;
  /** How the copies were brought together. */
  mode: 'identical' | 'fast-forward' | 'merge';
  dryRun: boolean;
  copies: CopyResult[];
  /** What the merge changed, relative to the local copy (or, without one, to the first content by hash). */
  changes: Change[];
  added: number;
  updated: number;
  deleted: number;
  conflicts: FieldConflict[];
  /** SHA-256 of the content every copy now holds. */
  sha256?: string;
  /** Which copy's bytes every copy got, when it was one of them (fast-forward, or a merge whose result was one copy). */
  from?: string;
  absent: AbsentStick[];
  /** Things worth knowing that need no action (a base that could not be read, a sidecar's claim). */
  notes: string[];
  /** Something needs the user's attention (a copy failed, a conflict, a damaged copy). */
  needsLook: boolean;
}

export interface SyncOptions {
  /**
   * Decrypts a content with the vault's key (asked for only when it is needed).
   * `how.lazy`: a base, of which the merge reads only the entries the copies
   * disagree on; its other entries need only be skimmed.
   */
  open(bytes: Uint8Array, copy: CopyRef, how?: OpenHow): Promise<Vault>;
  /** Told each content and base a merge is about to open, before the first (SyncKeys.prefetch makes them ready meanwhile). */
  prefetch?(bytes: Uint8Array): void;
  dryRun?: boolean;
  /** Old generations kept per stick. */
  generations?: number;
  /** Told what is being done now (for a progress line). */
  onProgress?(what: string): void;
}

interface CopyState {
  ref: CopyRef;
  bytes?: Uint8Array;
  stamp?: FileStamp;
  missing?: boolean;
  /** A file that cannot be read as this vault's KDBX: replaced, its old bytes kept as a generation. */
  damaged?: string;
  failed?: string;
  base?: { bytes: Uint8Array; sha: string } | null;
}

const shaOf = (c: CopyState) => c.stamp!.sha256;

function readCopy(ref: CopyRef): CopyState {
  let file;
  try {
    file = ref.read();
  } catch (e) {
    if (e instanceof StvError || e instanceof SafeReadError) return { ref, failed: `${e.message}; left as it is` };
    return { ref, failed: `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); left as it is` };
  }
  if (!file) return { ref, missing: true };
  const state: CopyState = { ref, bytes: file.bytes, stamp: file.stamp };
  try {
    Vault.header(file.bytes);
  } catch (e) {
    if (!(e instanceof CorruptFileError)) throw e;
    // A conflict copy is never written: a damaged one is only reported.
    if (ref.conflict) return { ref, failed: `damaged (${e.message}); left in place, nothing merged from it` };
    state.damaged = e.message;
  }
  return state;
}

function baseOf(c: CopyState): { bytes: Uint8Array; sha: string } | undefined {
  if (c.base === undefined) {
    const bytes = c.ref.readBase();
    c.base = bytes ? { bytes, sha: sha256Hex(bytes) } : null;
  }
  return c.base ?? undefined;
}

/** One copy of each content, in a fixed order (by hash), so nothing depends on the order the copies were found in. */
function distinctContents(copies: CopyState[]): CopyState[] {
  const seen = new Map<string, CopyState>();
  for (const c of copies) if (!seen.has(shaOf(c))) seen.set(shaOf(c), c);
  return [...seen.values()].sort((a, b) => (shaOf(a) < shaOf(b) ? -1 : 1));
}

interface Outcome {
  bytes: Uint8Array;
  sha: string;
  mode: SyncReport['mode'];
  from?: string;
}

export async function syncCopies(vaultId: string, refs: CopyRef[], o: SyncOptions): Promise<SyncReport> {
  const ledger = Ledger.load(vaultId);
  // A conflict copy gone since it was listed (its tool renamed it back) is simply not there.
  const copies = refs.map(readCopy).filter((c) => !(c.ref.conflict && c.missing));
  const report: SyncReport = {
    vaultId, mode: 'identical', dryRun: Boolean(o.dryRun), copies: [], changes: [], added: 0, updated: 0, deleted: 0, conflicts: [], absent: [], notes: [], needsLook: false,
  };
  const sources = () => copies.filter((c) => c.bytes && !c.damaged && !c.failed);
  if (!sources().length) {
    const why = copies.map((c) => `${c.ref.label}: ${c.failed ?? c.damaged ?? 'missing'}`).join('; ');
    throw new StvError(`no readable copy of vault ${vaultId} (${why})`);
  }

  const outcome = withoutKey(copies, sources(), ledger, report) ?? (await merge(vaultId, copies, sources(), ledger, o, report));
  report.mode = outcome.mode;
  report.sha256 = outcome.sha || undefined;
  report.from = outcome.from;
  const [files, conflicts] = [copies.filter((c) => !c.ref.conflict), copies.filter((c) => c.ref.conflict)];
  for (const [i, c] of files.entries()) {
    o.onProgress?.(`${c.ref.label} (${i + 1}/${files.length})`);
    report.copies.push(await settleCopy(c, vaultId, outcome, ledger, o));
  }
  for (const c of conflicts) report.copies.push(setAside(c, report.copies, Boolean(o.dryRun)));
  if (!o.dryRun) ledger.save();
  report.needsLook = report.conflicts.length > 0 || report.copies.some((c) => c.status === 'failed' || c.detail !== undefined);
  return report;
}

const labelsOf = (copies: CopyState[], sha: string) => copies.filter((c) => c.stamp && sameDigest(shaOf(c), sha)).map((c) => c.ref.label);

/**
 * The outcome when no key is needed: all copies identical (a missing copy is
 * simply created), or one content this machine trusts descends from all the
 * others. Replacing an existing file (even a damaged one) needs a trusted
 * source; otherwise undefined, and the copies are merged with the key.
 */
function withoutKey(copies: CopyState[], sources: CopyState[], ledger: Ledger, report: SyncReport): Outcome | undefined {
  const distinct = distinctContents(sources);
  const shas = distinct.map(shaOf);
  const replaces = (sha: string) => copies.some((c) => c.bytes && !c.failed && !sameDigest(shaOf(c), sha));
  if (distinct.length === 1) {
    const [only] = distinct;
    if (replaces(shas[0]) && !ledger.trusts(shas[0])) return undefined;
    const writes = copies.some((c) => !c.failed && !sameDigest(c.stamp?.sha256, shas[0]));
    return { bytes: only.bytes!, sha: shas[0], mode: writes ? 'fast-forward' : 'identical', from: writes ? labelsOf(copies, shas[0]).join(', ') : undefined };
  }
  const head = distinct.find((d) => ledger.descendsFromAll(shaOf(d), shas));
  if (head) return { bytes: head.bytes!, sha: shaOf(head), mode: 'fast-forward', from: labelsOf(copies, shaOf(head)).join(', ') };
  for (const d of distinct) {
    const claim = d.ref.hint();
    if (claim && sameDigest(claim.sha256, shaOf(d)) && !ledger.trusts(shaOf(d)) && shas.every((s) => s === shaOf(d) || claim.ancestors.includes(s))) {
      report.notes.push(`${d.ref.label}'s sidecar says it is newer than every other copy; a sidecar is only a hint, so it was opened with the key and merged`);
    }
  }
  return undefined;
}

interface Opened {
  sha: string;
  bytes: Uint8Array;
  vault: Vault;
  holders: CopyState[];
}

async function merge(vaultId: string, copies: CopyState[], sources: CopyState[], ledger: Ledger, o: SyncOptions, report: SyncReport): Promise<Outcome> {
  const distinct = distinctContents(sources);
  o.onProgress?.(`merging ${distinct.length} version${distinct.length === 1 ? '' : 's'}`);
  const holders = (sha: string) => copies.filter((c) => c.stamp && !c.failed && !c.damaged && sameDigest(shaOf(c), sha));
  // Every vault opened here, closed (keys and values wiped) whatever happens.
  const vaults = new Set<Vault>();
  const inputDbs: Database[] = [];
  try {
    // Each distinct base, by hash: copies that carry the same base hold it as separate bytes, and the
    // bytes announced are the bytes opened.
    const baseBytes = new Map<string, Uint8Array>();
    for (const d of distinct) {
      const base = pickBase({ sha: shaOf(d), holders: holders(shaOf(d)) }, ledger);
      if (base && !baseBytes.has(base.sha) && !distinct.some((x) => shaOf(x) === base.sha)) baseBytes.set(base.sha, base.bytes);
    }
    if (o.prefetch) for (const bytes of [...distinct.map((d) => d.bytes!), ...baseBytes.values()]) o.prefetch(bytes);
    let opened: Opened[] = [];
    for (const d of distinct) {
      const vault = await openOrMark(d, holders(shaOf(d)), o);
      if (vault) {
        vaults.add(vault);
        opened.push({ sha: shaOf(d), bytes: d.bytes!, vault, holders: holders(shaOf(d)) });
      }
    }
    opened = opened.filter((x) => {
      const other = otherVault(vaultId, x.vault, opened);
      if (other) for (const c of x.holders) c.failed = `holds another vault (${other}), not vault ${vaultId}; nothing merged from it`;
      return !other;
    });
    if (!opened.length) {
      // The same key failing on every copy is a wrong password, not a sync problem.
      if (distinct.every((c) => c.failed?.startsWith('cannot be opened'))) throw new WrongKeyError();
      throw new StvError(`no copy of vault ${vaultId} could be opened with its key (${distinct.map((c) => `${c.ref.label}: ${c.failed ?? c.damaged}`).join('; ')})`);
    }
    for (const x of opened) ledger.note(x.sha, 'verified');
    // inputs[0] is the local copy when it is among them: the change list then says what changed here.
    opened.sort((a, b) => Number(b.holders.some((c) => c.ref.kind === 'local')) - Number(a.holders.some((c) => c.ref.kind === 'local')) || (a.sha < b.sha ? -1 : 1));
    const bases = await openBases(vaultId, opened, ledger, o, report, baseBytes);
    for (const b of bases.values()) vaults.add(b.vault);
    inputDbs.push(...opened.map((x) => x.vault.db));

    const result = mergeWithBases(opened, bases, report);
    report.changes = result.changes;
    report.conflicts = result.conflicts;
    report.added = result.changes.filter((c) => c.kind === 'added').length;
    report.updated = result.changes.filter((c) => c.kind === 'updated' || c.kind === 'conflict').length;
    report.deleted = result.changes.filter((c) => c.kind === 'deleted').length;
    const idMissing = !vaultIdOf(result.db);
    if (idMissing) result.db.setCustomData(VAULT_ID_KEY, vaultId);
    if (!inputDbs.includes(result.db)) inputDbs.push(result.db);
    // A copy upgraded to KDBX 4 (stv upgrade) is never turned back into 3.1 by a merge with an older copy.
    const isV4 = (x: Opened) => (x.vault.readVersion?.major ?? 4) >= 4;
    const anyV4 = opened.some(isV4);
    const same = idMissing ? [] : opened.filter((x, i) => !result.differs[i] && (!anyV4 || isV4(x))).sort((a, b) => (a.sha < b.sha ? -1 : 1));
    if (same.length) {
      // The result is one of the copies: its bytes, as they are, go everywhere (no re-encryption).
      ledger.note(same[0].sha, 'verified', opened.map((x) => x.sha));
      return { bytes: same[0].bytes, sha: same[0].sha, mode: 'merge', from: labelsOf(copies, same[0].sha).join(', ') };
    }
    // A new content that a dry run would write: every copy would be updated, nothing needs encrypting.
    if (o.dryRun) return { bytes: new Uint8Array(0), sha: '', mode: 'merge' };
    o.onProgress?.('writing the merged version');
    // Written with inputs[0]'s settings and key (the local copy's: the agent's key keeps fitting it).
    // The result may share values with any input, so nothing is wiped before it is written.
    const writer = opened[0].vault;
    writer.db = result.db;
    if (anyV4) writer.upgrade();
    const bytes = writer.toBytes();
    const sha = sha256Hex(bytes);
    // Prove once that the result opens with the key; each copy written is then checked by its hash alone.
    {
      using key = writer.derivedKey();
      Vault.verify(bytes, key);
    }
    ledger.note(sha, 'written', opened.map((x) => x.sha));
    return { bytes, sha, mode: 'merge' };
  } finally {
    for (const v of vaults) v.close();
    for (const db of inputDbs) db.wipe(); // inputs[0]'s database, when the result took its place in its vault
  }
}

/** Opens one content with the key; a content that will not open marks every copy holding it (another key: failed; damaged: replaced). */
async function openOrMark(d: CopyState, holders: CopyState[], o: SyncOptions): Promise<Vault | undefined> {
  try {
    return await o.open(d.bytes!, d.ref);
  } catch (e) {
    let mark: Partial<CopyState>;
    if (e instanceof WrongKeyError) mark = { failed: `cannot be opened with this vault's key (${e.message}): another vault, or re-keyed elsewhere` };
    else if (e instanceof CorruptFileError) mark = { damaged: e.message };
    else throw e;
    for (const c of new Set([d, ...holders])) Object.assign(c, mark);
    return undefined;
  }
}

/**
 * Each content's base: of the bases its copies carry, the one equal to the
 * content itself (nothing changed there since), else one the ledger knows
 * to descend from the others, else the first by hash. Each distinct base is
 * opened once; one that is another content already open is shared, except
 * with inputs[0], the one input the merge may change.
 */
async function openBases(vaultId: string, opened: Opened[], ledger: Ledger, o: SyncOptions, report: SyncReport, announced: Map<string, Uint8Array>): Promise<Map<Opened, Base>> {
  const chosen = new Map<Opened, { bytes: Uint8Array; sha: string; holder: CopyState }>();
  for (const x of opened) {
    const pick = pickBase(x, ledger);
    if (pick) chosen.set(x, pick);
  }
  const bySha = new Map<string, Vault | null>();
  const out = new Map<Opened, Base>();
  for (const [x, b] of chosen) {
    if (!bySha.has(b.sha)) {
      const shared = opened.find((y, i) => i > 0 && y.sha === b.sha);
      let vault: Vault | null = shared?.vault ?? null;
      if (!vault) {
        try {
          vault = await o.open(announced.get(b.sha) ?? b.bytes, b.holder.ref, { lazy: true });
          if (vaultIdOf(vault.db) !== undefined && vaultIdOf(vault.db) !== vaultId) {
            vault.close();
            vault = null;
          }
        } catch (e) {
          if (!(e instanceof WrongKeyError || e instanceof CorruptFileError)) throw e;
          vault = null;
        }
        // Not noted in the ledger as a content opened with the key: read lazily, it was not read whole.
        if (!vault) report.notes.push(`the base on ${b.holder.ref.label} could not be opened as this vault; merged without it (it is replaced by this sync's result)`);
      }
      bySha.set(b.sha, vault);
    }
    const vault = bySha.get(b.sha);
    if (vault) out.set(x, { db: vault.db, vault, label: b.holder.ref.label, lazy: vault !== opened.find((y) => y.sha === b.sha)?.vault });
  }
  return out;
}

/** The base of one content (see openBases), if any of its copies carries one. */
function pickBase(x: { sha: string; holders: CopyState[] }, ledger: Ledger): { bytes: Uint8Array; sha: string; holder: CopyState } | undefined {
  const candidates = x.holders.map((c) => ({ b: baseOf(c), holder: c })).filter((c) => c.b).map((c) => ({ ...c.b!, holder: c.holder }));
  if (!candidates.length) return undefined;
  return (
    candidates.find((b) => b.sha === x.sha) ??
    candidates.find((b) => ledger.descendsFromAll(b.sha, candidates.map((c) => c.sha))) ??
    [...candidates].sort((a, b) => (a.sha < b.sha ? -1 : 1))[0]
  );
}

interface Base {
  db: Vault['db'];
  vault: Vault;
  /** The copy that carries it (for the report). */
  label: string;
  /** Opened lazily: an entry is read (and a malformed one found) when the merge first reads it. */
  lazy: boolean;
}

/**
 * The n-way merge. A base read lazily may turn out to hold a malformed entry
 * the merge needs; the merge reads every base entry it needs before it
 * changes anything (merge/tree.ts), so such a base is dropped, as one that
 * would not open is, and the copies are merged again without it.
 */
function mergeWithBases(opened: Opened[], bases: Map<Opened, Base>, report: SyncReport): ReturnType<typeof mergeCopies> {
  const inputs = () => opened.map((x) => ({ db: x.vault.db, base: bases.get(x)?.db, label: x.holders.map((c) => c.ref.label).join('+') }));
  try {
    return mergeCopies(inputs());
  } catch (e) {
    if (!(e instanceof CorruptFileError)) throw e;
    // One note per base (copies that carry the same base share one vault), as when a base does not open.
    const unreadable = new Map<Vault, string>();
    for (const b of bases.values()) if (b.lazy && !unreadable.has(b.vault) && !readsWhole(b.db)) unreadable.set(b.vault, b.label);
    if (!unreadable.size) throw e;
    for (const [x, b] of bases) if (unreadable.has(b.vault)) bases.delete(x);
    for (const label of unreadable.values()) report.notes.push(`the base on ${label} could not be opened as this vault; merged without it (it is replaced by this sync's result)`);
    return mergeCopies(inputs());
  }
}

/** Whether every entry of a database read lazily reads without error. */
function readsWhole(db: Vault['db']): boolean {
  try {
    db.loadAll();
    return true;
  } catch (e) {
    if (e instanceof CorruptFileError) return false;
    throw e;
  }
}

/**
 * Why an opened copy is not this vault, if it is not: another vault id, or —
 * for a copy with no id yet — another root group UUID (every copy of one
 * database shares its root group, KeePassXC's included).
 */
function otherVault(vaultId: string, v: Vault, all: { vault: Vault }[]): string | undefined {
  const id = vaultIdOf(v.db);
  if (id) return id === vaultId ? undefined : `id ${id}`;
  const reference = all.find((x) => vaultIdOf(x.vault.db) === vaultId) ?? all[0];
  const root = reference.vault.db.root.uuid;
  return v.db.root.uuid === root ? undefined : `root group ${v.db.root.uuid}, not ${root}`;
}

async function settleCopy(c: CopyState, vaultId: string, out: Outcome, ledger: Ledger, o: SyncOptions): Promise<CopyResult> {
  const result: CopyResult = { label: c.ref.label, path: c.ref.path, kind: c.ref.kind, stickId: c.ref.stickId, status: 'unchanged' };
  if (c.failed) return { ...result, status: 'failed', detail: c.failed };
  const sidecar = { format: 1 as const, vaultId, sha256: out.sha, ancestors: ledger.ancestors(out.sha), writtenAt: new Date().toISOString() };
  if (sameDigest(c.stamp?.sha256, out.sha)) {
    if (o.dryRun) return result;
    afterWrite(c, out, sidecar);
    return { ...result, note: await retireOldCopies(c.ref, vaultId, out.bytes) };
    return result;
  }
  const status: CopyStatus = c.missing ? 'created' : 'updated';
  const kept = c.ref.kind === 'stick' ? 'the damaged file kept in .stickvault/backups' : `the damaged file kept as ${c.ref.path}.bak`;
  const detail = c.damaged ? `was damaged (${c.damaged}); replaced, ${kept}` : undefined;
  if (o.dryRun) return { ...result, status, detail };
  try {
    await c.ref.write({ bytes: out.bytes, sha256: out.sha, expected: c.stamp, oldBytes: c.bytes, generations: o.generations });
  } catch (e) {
    return { ...result, status: 'failed', detail: describeWriteError(e) };
  }
  afterWrite(c, out, sidecar);
  return { ...result, status, detail, note: await retireOldCopies(c.ref, vaultId, out.bytes) };
}

/**
 * A conflict copy whose content went into the result is moved aside — only
 * once the copy it lay beside holds the result, written and read back (or
 * already current): until then its edits exist nowhere else.
 */
function setAside(c: CopyState, settled: CopyResult[], dryRun: boolean): CopyResult {
  const result: CopyResult = { label: c.ref.label, path: c.ref.path, kind: c.ref.kind, status: 'unchanged' };
  if (c.failed) return { ...result, status: 'failed', detail: c.failed };
  const beside = settled.find((s) => s.label === c.ref.conflict!.beside);
  if (!beside || beside.status === 'failed') return { ...result, detail: `left in place: ${c.ref.conflict!.beside} could not be brought up to date` };
  if (dryRun) return { ...result, status: 'merged' };
  try {
    return { ...result, status: 'merged', note: `merged in; moved to ${c.ref.conflict!.setAside()}` };
  } catch (e) {
    return { ...result, status: 'merged', detail: `merged in, but could not be moved aside (${(e as Error).message}); it can be deleted` };
  }
}

/** Generations under a key retired by passwd go once the copy is current (rotate.ts); a line for the report, if any went. */
async function retireOldCopies(ref: CopyRef, vaultId: string, current: Uint8Array): Promise<string | undefined> {
  return ref.oldCopies ? describeRotation(await afterStickSync(vaultId, ref.oldCopies, current)) : undefined;
}

/**
 * Once the copy holds the result: its base becomes the result (after the
 * copy, never before: a base newer than its copy would make the copy's old
 * content look like edits), then the sidecar. A read-only stick may refuse
 * either; the copy itself is current, and the old base is still an ancestor.
 */
function afterWrite(c: CopyState, out: Outcome, sidecar: Parameters<CopyRef['writeSidecar']>[0]): void {
  try {
    if (baseOf(c)?.sha !== out.sha) {
      c.ref.writeBase(out.bytes);
      c.base = { bytes: out.bytes, sha: out.sha };
    }
    const was = c.ref.hint();
    if (!was || !sameDigest(was.sha256, out.sha) || was.ancestors.join() !== sidecar.ancestors.join()) c.ref.writeSidecar(sidecar);
  } catch {
    // nothing to record it on
  }
}

function describeWriteError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') return 'no space left on the stick; the old file is intact';
  if (code === 'EROFS') return 'the stick is mounted read-only; the old file is intact';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied; the old file is intact';
  if (code === 'EIO' || code === 'ENODEV' || code === 'ENOENT') return 'the stick went away or failed while writing; the old file, if any, is intact';
  const msg = (e as Error).message ?? String(e);
  if (/changed on disk/.test(msg)) return 'changed while syncing; run stv sync again (nothing was overwritten)';
  return msg;
}
