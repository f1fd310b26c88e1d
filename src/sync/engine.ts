/**
 * Syncing the copies of one vault so that they converge and no edit is lost:
 * 1. every readable copy byte-identical → nothing to do, no key needed;
 * 2. one copy is a strict descendant of all others (by the hashes in the
 *    sidecars, never by timestamps) → copy it over them, no key needed;
 * 3. otherwise open every distinct content with the vault's key, merge them
 *    (merge.ts) and write the one result to every copy.
 * Each copy is written crash-safely and read back before the next (write-copy.ts);
 * a copy that fails is reported and every other copy goes on.
 */
import { StvError, WrongKeyError, CorruptFileError } from '../errors/index.js';
import { Vault, readVaultFile, VaultMissingError, sameDigest, sha256Hex, type DerivedKey, type FileStamp } from '../vault/index.js';
import { mergeDatabases, type Conflict } from './merge.js';
import { knownLineage, lineageOf, readSidecar, writeSidecar, type Sidecar } from './sidecar.js';
import { vaultIdOf, VAULT_ID_KEY } from './vault-id.js';
import { writeCopy } from './write-copy.js';

/** Where one copy of the vault lives. */
export interface CopyRef {
  kind: 'local' | 'stick';
  /** Stick label, or 'local'. */
  label: string;
  path: string;
  sidecarPath: string;
  /** Path written into the sidecar (relative to the stick root for sticks). */
  sidecarFile: string;
  /** Old generations go here (sticks); the local copy keeps PATH.bak instead. */
  generationsDir?: string;
  stickId?: string;
}

export type CopyStatus = 'unchanged' | 'updated' | 'created' | 'failed';

export interface CopyResult {
  label: string;
  path: string;
  kind: CopyRef['kind'];
  stickId?: string;
  status: CopyStatus;
  /** Why it failed, or a note (e.g. a damaged file was replaced). */
  detail?: string;
}

export interface SyncReport {
  vaultId: string;
  /** How the copies were brought together. */
  mode: 'identical' | 'fast-forward' | 'merge';
  dryRun: boolean;
  copies: CopyResult[];
  added: number;
  updated: number;
  deleted: number;
  conflicts: Conflict[];
  /** SHA-256 of the content every copy now holds. */
  sha256?: string;
  /** Something needs the user's attention (a copy failed, a conflict, a damaged copy). */
  needsLook: boolean;
}

export interface SyncOptions {
  /** Decrypts a copy with the vault's key (asked for only when a merge is needed). */
  open(bytes: Uint8Array, copy: CopyRef): Promise<Vault>;
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
  lineage: string[];
  missing?: boolean;
  /** A file that cannot be read as KDBX: replaced, its old bytes kept as a generation. */
  damaged?: string;
  failed?: string;
}

function readCopy(ref: CopyRef, vaultId: string): CopyState {
  let data;
  try {
    data = readVaultFile(ref.path);
  } catch (e) {
    if (e instanceof VaultMissingError) return { ref, lineage: [], missing: true };
    return { ref, lineage: [], failed: (e as Error).message };
  }
  const sidecar = readSidecar(ref.sidecarPath);
  const state: CopyState = { ref, bytes: data.bytes, stamp: data.stamp, lineage: knownLineage(data.stamp.sha256, ownSidecar(sidecar, vaultId)) };
  try {
    Vault.header(data.bytes);
  } catch (e) {
    if (!(e instanceof CorruptFileError)) throw e;
    state.damaged = e.message;
  }
  return state;
}

/** A sidecar left by another vault on the same path says nothing about this one. */
function ownSidecar(s: Sidecar | undefined, vaultId: string): Sidecar | undefined {
  return s && s.vaultId === vaultId ? s : undefined;
}

/** The content whose lineage includes every other distinct content, if there is one. */
function descendantOfAll(sources: CopyState[]): CopyState | undefined {
  const shas = [...new Set(sources.map((c) => c.stamp!.sha256))];
  return sources.find((c) => shas.every((s) => c.lineage.includes(s)));
}

function distinctBySha(copies: CopyState[]): CopyState[] {
  const seen = new Map<string, CopyState>();
  for (const c of copies) {
    const prior = seen.get(c.stamp!.sha256);
    // The copy with the longest known lineage speaks for its content.
    if (!prior || c.lineage.length > prior.lineage.length) seen.set(c.stamp!.sha256, c);
  }
  return [...seen.values()];
}

interface Outcome {
  bytes: Uint8Array;
  sha: string;
  lineage: string[];
  key?: DerivedKey;
  mode: SyncReport['mode'];
}

export async function syncCopies(vaultId: string, refs: CopyRef[], o: SyncOptions): Promise<SyncReport> {
  const copies = refs.map((r) => readCopy(r, vaultId));
  const report: SyncReport = { vaultId, mode: 'identical', dryRun: Boolean(o.dryRun), copies: [], added: 0, updated: 0, deleted: 0, conflicts: [], needsLook: false };
  const sources = () => copies.filter((c) => c.bytes && !c.damaged && !c.failed);
  if (!sources().length) {
    const why = copies.map((c) => `${c.ref.label}: ${c.failed ?? c.damaged ?? 'missing'}`).join('; ');
    throw new StvError(`no readable copy of vault ${vaultId} (${why})`);
  }

  const outcome = await combine(vaultId, copies, sources, o, report);
  report.mode = outcome.mode;
  report.sha256 = outcome.sha;
  for (const [i, c] of copies.entries()) {
    o.onProgress?.(`${c.ref.label} (${i + 1}/${copies.length})`);
    report.copies.push(await settleCopy(c, vaultId, outcome, o));
  }
  report.needsLook = report.conflicts.length > 0 || report.copies.some((c) => c.status === 'failed' || c.detail !== undefined);
  wipeKey(outcome.key);
  return report;
}

async function combine(vaultId: string, copies: CopyState[], sources: () => CopyState[], o: SyncOptions, report: SyncReport): Promise<Outcome> {
  const distinct = distinctBySha(sources());
  const head = distinct.length === 1 ? distinct[0] : descendantOfAll(distinct);
  if (head) {
    const needsWrite = copies.some((c) => !c.failed && !sameDigest(c.stamp?.sha256, head.stamp!.sha256));
    return { bytes: head.bytes!, sha: head.stamp!.sha256, lineage: head.lineage.slice(1), mode: distinct.length === 1 && !needsWrite ? 'identical' : 'fast-forward' };
  }
  const merged = await mergeAll(vaultId, distinct, o, report);
  // What opening a content showed (another vault, damage) holds for every copy with those bytes.
  for (const c of copies) {
    const rep = distinct.find((d) => c.stamp && sameDigest(d.stamp!.sha256, c.stamp.sha256));
    if (rep && rep !== c) {
      c.failed ??= rep.failed;
      c.damaged ??= rep.damaged;
    }
  }
  return merged;
}

async function mergeAll(vaultId: string, distinct: CopyState[], o: SyncOptions, report: SyncReport): Promise<Outcome> {
  let opened: { copy: CopyState; vault: Vault }[] = [];
  o.onProgress?.(`merging ${distinct.length} versions`);
  for (const copy of distinct) {
    try {
      opened.push({ copy, vault: await o.open(copy.bytes!, copy.ref) });
    } catch (e) {
      if (e instanceof WrongKeyError) copy.failed = `cannot be opened with this vault's key (${e.message}): another vault, or re-keyed elsewhere`;
      else if (e instanceof CorruptFileError) copy.damaged = e.message;
      else throw e;
    }
  }
  opened = opened.filter(({ copy, vault }) => {
    const other = otherVault(vaultId, vault, opened);
    if (other) {
      copy.failed = `holds another vault (${other}), not vault ${vaultId}; nothing merged from it`;
      vault.close();
    }
    return !other;
  });
  if (!opened.length) {
    // The same key failing on every copy is a wrong password, not a sync problem.
    if (distinct.every((c) => c.failed?.startsWith('cannot be opened'))) throw new WrongKeyError();
    throw new StvError(`no copy of vault ${vaultId} could be opened with its key (${distinct.map((c) => `${c.ref.label}: ${c.failed ?? c.damaged}`).join('; ')})`);
  }
  const [base, ...others] = opened;
  for (const { vault } of others) {
    const r = mergeDatabases(base.vault.db, vault.db);
    report.added += r.added;
    report.updated += r.updated;
    report.deleted += r.deleted;
    report.conflicts.push(...r.conflicts);
    vault.close();
  }
  if (!vaultIdOf(base.vault.db)) base.vault.db.setCustomData(VAULT_ID_KEY, vaultId);
  // A copy upgraded to KDBX 4 (stv upgrade) is never turned back into 3.1 by a merge with an older copy.
  if (opened.some(({ vault }) => (vault.readVersion?.major ?? 4) >= 4)) base.vault.upgrade();
  const bytes = base.vault.toBytes();
  const sha = sha256Hex(bytes);
  const key = base.vault.derivedKey();
  base.vault.close();
  // Prove once that the result opens with the key; each copy written is then checked by its hash alone.
  (await Vault.open(bytes, key)).close();
  return { bytes, sha, lineage: lineageOf(opened.map((x) => x.copy.lineage), sha), key, mode: 'merge' };
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

async function settleCopy(c: CopyState, vaultId: string, out: Outcome, o: SyncOptions): Promise<CopyResult> {
  const result: CopyResult = { label: c.ref.label, path: c.ref.path, kind: c.ref.kind, stickId: c.ref.stickId, status: 'unchanged' };
  if (c.failed) return { ...result, status: 'failed', detail: c.failed };
  const sidecar: Sidecar = { format: 1, vaultId, file: c.ref.sidecarFile, sha256: out.sha, ancestors: out.lineage, writtenAt: new Date().toISOString() };
  if (sameDigest(c.stamp?.sha256, out.sha)) {
    if (!o.dryRun) refreshSidecar(c.ref, sidecar);
    return result;
  }
  const status: CopyStatus = c.missing ? 'created' : 'updated';
  const detail = c.damaged ? `was damaged (${c.damaged}); replaced${c.ref.generationsDir ? ', the damaged file kept in backups' : ''}` : undefined;
  if (o.dryRun) return { ...result, status, detail };
  try {
    await writeCopy({
      path: c.ref.path,
      bytes: out.bytes,
      sha256: out.sha,
      expected: c.stamp,
      oldBytes: c.bytes,
      generationsDir: c.ref.generationsDir,
      generations: o.generations,
      createDirs: c.missing,
    });
    writeSidecar(c.ref.sidecarPath, sidecar, c.ref.kind === 'local');
    return { ...result, status, detail };
  } catch (e) {
    return { ...result, status: 'failed', detail: describeWriteError(e) };
  }
}

/** A copy already holding the result only needs its sidecar to say so; a read-only stick may refuse, which is harmless. */
function refreshSidecar(ref: CopyRef, s: Sidecar): void {
  const before = readSidecar(ref.sidecarPath);
  if (before && before.vaultId === s.vaultId && sameDigest(before.sha256, s.sha256) && before.ancestors.join() === s.ancestors.join()) return;
  try {
    writeSidecar(ref.sidecarPath, s, ref.kind === 'local');
  } catch {
    // nothing to record it on; the copy itself is current
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

function wipeKey(k: DerivedKey | undefined): void {
  k?.transformed.fill(0);
}
