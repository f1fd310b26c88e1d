/** stv sync and stv stick: thin adapters over src/sync. */
import { basename, join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { StvError, SyncError, UsageError } from '../../errors/index.js';
import { loadConfig, resolveVault, saveConfig, type Config, type ResolvedVault } from '../../config/index.js';
import { readVaultFile, sameDigest, saveVaultFile, VaultMissingError } from '../../vault/index.js';
import {
  runSync, knownVaultId, findSticks, initStick, listSticks, forgetStick, ensureVaultId, recordLocalSave,
  watchSticks, watchLocalSaves, defaultWatchDirs, loadRegistry, type SyncReport, type MountedStick, type StickListing,
} from '../../sync/index.js';
import { type GlobalOptions, errorLine, info, out, printJson, warn } from '../runtime.js';
import { syncKeys, type SyncKeys } from '../sync-keys.js';
import { startProgress } from '../session.js';

interface Target {
  ref: ResolvedVault;
  /** Undefined for a vault that lives only on sticks. */
  local?: { path: string; name?: string };
  vaultId: string;
  label: string;
}

const labelOf = (ref: ResolvedVault) => ref.name ?? ref.path;

/**
 * The vault id of a local vault: from its sidecar or the registry without a
 * key; else from the file itself (created and saved on first use); else from
 * a mounted stick that names a vault of that name (a new machine).
 */
export async function vaultIdFor(ref: ResolvedVault, keys: SyncKeys, sticks: MountedStick[]): Promise<string> {
  const known = knownVaultId(ref.path);
  if (known) return known;
  if (!existsSync(ref.path)) {
    const name = ref.name ?? basename(ref.path);
    const found = sticks.flatMap((s) => Object.entries(s.info.vaults).map(([id, v]) => ({ id, v, label: s.info.label }))).filter(({ v }) => v.name === name || basename(v.file) === basename(ref.path));
    const ids = [...new Set(found.map((f) => f.id))];
    // Two different vaults by that name: taking either could put someone else's vault at this path.
    if (ids.length > 1) throw new UsageError(`the mounted sticks hold ${ids.length} different vaults named like ${name} (on ${found.map((f) => f.label).join(', ')}); mount only the sticks of yours, or create ${ref.path} first`);
    if (ids.length) return ids[0];
    throw new VaultMissingError(ref.path);
  }
  const { bytes, stamp } = readVaultFile(ref.path);
  const vault = await keys.open(bytes);
  try {
    const { id, created } = ensureVaultId(vault.db);
    if (created) {
      const written = saveVaultFile(ref.path, vault.toBytes(), { expected: stamp });
      recordLocalSave(ref.path, id, stamp.sha256, written.sha256);
    } else recordLocalSave(ref.path, id, stamp.sha256, stamp.sha256);
    return id;
  } finally {
    vault.close();
  }
}

function stickOnlyTargets(config: Config, sticks: MountedStick[], taken: Set<string>): Target[] {
  const out: Target[] = [];
  for (const s of sticks) {
    for (const [vaultId, v] of Object.entries(s.info.vaults)) {
      if (taken.has(vaultId)) continue;
      taken.add(vaultId);
      const ref = v.name && config.vaults?.[v.name] ? resolveVault(v.name, config) : { name: v.name, path: `${s.root}/${v.file}` };
      out.push({ ref, vaultId, label: v.name ?? vaultId });
    }
  }
  return out;
}

export interface SyncCliOptions {
  all?: boolean;
  dryRun?: boolean;
  watch?: boolean;
  watchDir?: string[];
  generations?: string;
}

function generations(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 1000) throw new UsageError(`--generations must be a whole number from 0 to 1000, got '${v}'`);
  return n;
}

async function syncTarget(opts: GlobalOptions, t: Target, sticks: MountedStick[], o: SyncCliOptions, keys: SyncKeys): Promise<SyncReport & { name: string }> {
  const progress = await startProgress(opts, `syncing ${t.label}`);
  try {
    const report = await runSync({
      vaultId: t.vaultId, local: t.local, sticks, dryRun: o.dryRun, generations: generations(o.generations),
      // The spinner pauses while a password prompt may be on screen.
      open: async (bytes) => {
        progress.stop();
        return keys.open(bytes);
      },
      onProgress: (what) => progress.label(`syncing ${t.label}: ${what}`),
    });
    return { name: t.label, ...report };
  } finally {
    progress.stop();
  }
}

async function targetsFor(opts: GlobalOptions, names: string[], o: SyncCliOptions, sticks: MountedStick[], keysFor: (ref: ResolvedVault) => SyncKeys): Promise<Target[]> {
  const config = loadConfig();
  const refs = o.all ? Object.keys(config.vaults ?? {}).map((n) => resolveVault(n, config)) : (names.length ? names : [opts.vault]).map((n) => resolveVault(n, config));
  const targets: Target[] = [];
  const taken = new Set<string>();
  for (const ref of refs) {
    let vaultId: string;
    try {
      vaultId = await vaultIdFor(ref, keysFor(ref), sticks);
    } catch (e) {
      // With --all, a configured vault that is neither here nor on a stick is not an error.
      if (o.all && e instanceof VaultMissingError) continue;
      throw e;
    }
    if (taken.has(vaultId)) continue;
    taken.add(vaultId);
    targets.push({ ref, vaultId, local: { path: ref.path, name: ref.name }, label: labelOf(ref) });
  }
  if (o.all) targets.push(...stickOnlyTargets(config, sticks, taken));
  return targets;
}

export async function sync(opts: GlobalOptions, names: string[], o: SyncCliOptions): Promise<void> {
  if (o.watch) return watch(opts, names, o);
  const config = loadConfig();
  const sticks = findSticks(config.stickPaths ?? []);
  const keyring = new Map<string, SyncKeys>();
  const keysFor = (ref: ResolvedVault) => keyring.get(ref.path) ?? keyring.set(ref.path, syncKeys(opts, ref)).get(ref.path)!;
  try {
    const targets = await targetsFor(opts, names, o, sticks, keysFor);
    if (!targets.length) throw new UsageError('no vault to sync: name one, or prepare a stick with \'stv stick init\'');
    const reports = [];
    for (const t of targets) reports.push(await syncTarget(opts, t, sticks, o, keysFor(t.ref)));
    finish(opts, reports);
  } finally {
    for (const k of keyring.values()) k.close();
  }
}

export function finish(opts: GlobalOptions, reports: (SyncReport & { name: string })[]): void {
  if (opts.json) printJson({ ok: !reports.some((r) => r.needsLook), vaults: reports });
  else for (const r of reports) printReport(opts, r);
  const failed = reports.flatMap((r) => r.copies.filter((c) => c.status === 'failed'));
  const conflicts = reports.reduce((n, r) => n + r.conflicts.length, 0);
  const damaged = reports.flatMap((r) => r.copies.filter((c) => c.status !== 'failed' && c.detail && c.kind !== 'conflict'));
  const keptAside = reports.flatMap((r) => r.copies.filter((c) => c.status !== 'failed' && c.detail && c.kind === 'conflict'));
  if (failed.length || conflicts || damaged.length || keptAside.length) {
    const parts = [failed.length && `${failed.length} cop${failed.length === 1 ? 'y' : 'ies'} failed`, conflicts && `${conflicts} conflict(s) to look at ('stv conflicts')`, damaged.length && `${damaged.length} damaged cop${damaged.length === 1 ? 'y' : 'ies'} replaced`, keptAside.length && `${keptAside.length} conflict cop${keptAside.length === 1 ? 'y' : 'ies'} left in place`].filter(Boolean);
    throw new SyncError(`${parts.join(', ')}; the other copies are in sync`);
  }
}

/** Text from vault content or a stick, printed: control characters shown escaped, never sent to the terminal. */
export const shown = (text: string) => text.replace(/[\p{Cc}\u2028\u2029]/gu, (c) => `\\x${c.codePointAt(0)!.toString(16).padStart(2, '0')}`);

const CHANGES_LISTED = 20;

const STATUS_DRY: Record<string, string> = { updated: 'would update', created: 'would create', merged: 'would merge' };

function printReport(opts: GlobalOptions, r: SyncReport & { name: string }): void {
  const counts = `${r.added} added, ${r.updated} updated, ${r.deleted} deleted, ${r.conflicts.length} conflict(s)`;
  const from = r.from ? ` (${r.from}'s version)` : '';
  const what = r.mode === 'merge' ? `merged: ${counts}${from}` : r.mode === 'fast-forward' ? `copied the newest version${from}, no key needed` : 'all copies identical';
  out(`${shown(r.name)}: ${r.dryRun && r.mode !== 'identical' ? 'would be ' : ''}${what}${r.dryRun ? ' (dry run: nothing written)' : ''}`);
  const width = Math.max(...r.copies.map((c) => c.label.length), ...r.absent.map((a) => a.label.length));
  for (const c of r.copies) {
    const status = r.dryRun ? (STATUS_DRY[c.status] ?? c.status) : c.status;
    out(`  ${shown(c.label).padEnd(width)}  ${status.padEnd(12)}  ${shown(c.path)}${[c.detail, c.note].filter(Boolean).map((d) => ` — ${shown(d!)}`).join('')}`);
  }
  for (const a of r.absent) {
    const behind = a.syncsBehind === undefined ? 'how far behind is not known here' : a.syncsBehind === 0 ? 'current as of its last sync' : `${a.syncsBehind} sync${a.syncsBehind === 1 ? '' : 's'} behind`;
    out(`  ${shown(a.label).padEnd(width)}  ${'not mounted'.padEnd(12)}  ${behind} (last at ${shown(a.lastPath)}${a.lastSynced ? `, ${a.lastSynced.slice(0, 10)}` : ''})`);
  }
  const listed = r.changes.filter((c) => c.kind !== 'conflict');
  if (listed.length) {
    // A dry run lists everything (that is what it is for); a sync, the first ones.
    const shownCount = r.dryRun ? listed.length : Math.min(listed.length, CHANGES_LISTED);
    out(`  changes${r.copies.some((c) => c.kind === 'local') ? ' to the local copy' : ''}${r.dryRun ? ' (would be made)' : ''}:`);
    for (const c of listed.slice(0, shownCount)) out(`    ${c.kind}: ${shown(c.path || '(database)')}${c.detail ? ` — ${shown(c.detail)}` : ''}`);
    if (shownCount < listed.length) out(`    … and ${listed.length - shownCount} more ('stv --json sync' lists them all)`);
  }
  for (const c of r.conflicts) {
    const sides = c.sides.map((s) => `${s.labels.map(shown).join('+')} ${s.deleted ? 'deleted it' : 'edited it'} ${s.modified}`).join('; ');
    out(`  conflict: ${shown(c.path)} — ${c.fields.map(shown).join(', ')} (${sides}); both kept (one current, the other in history), tagged stickvault-conflict; see 'stv conflicts'`);
  }
  for (const n of r.notes) info(opts, `  note: ${shown(n)}`);
  if (!r.copies.some((c) => c.kind === 'stick' || c.kind === 'folder') && !r.absent.length) info(opts, `  no stick holding ${r.name} is mounted; prepare one with 'stv stick init MOUNTPOINT --label NAME'`);
}

/** `names`: only these vaults (else every vault, as --all). */
async function watch(opts: GlobalOptions, names: string[], o: SyncCliOptions): Promise<void> {
  const config = loadConfig();
  const dirs = o.watchDir?.length ? o.watchDir : defaultWatchDirs();
  const abort = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => abort.abort());
  // One sync at a time, whatever asked for it.
  let queue = Promise.resolve();
  const localSha = (path: string) => {
    try {
      return readVaultFile(path).stamp.sha256;
    } catch {
      return undefined;
    }
  };
  const locals = (names.length ? names : Object.keys(config.vaults ?? {})).map((n) => resolveVault(n, config));
  const run = (why: string, names: string[], all: boolean) => {
    queue = queue.then(async () => {
      info(opts, why);
      try {
        await sync(opts, names, { ...o, watch: false, all });
      } catch (e) {
        // Keep watching: one failed sync must not end the watcher.
        const err = e as StvError;
        errorLine(err.message);
      }
    });
    return queue;
  };
  // Said once both watchers are ready: a stick mounted or a file saved before that could go unnoticed.
  let waiting = 2;
  const onReady = () => {
    if (--waiting === 0) info(opts, `watching ${dirs.join(', ')} and the mount table for sticks, and ${locals.length} local vault file(s) for saves; Ctrl-C to stop`);
  };
  await Promise.all([
    watchSticks({
      dirs,
      extraPaths: config.stickPaths ?? [],
      signal: abort.signal,
      onReady,
      onMounted: (fresh) => run(`stick(s) mounted: ${fresh.map((s) => `${shown(s.info.label)} at ${shown(s.root)}`).join(', ')}`, names, !names.length),
    }),
    watchLocalSaves({
      // The local files and the folder copies: a sync tool writes a new version or a conflict copy there.
      paths: [...locals.map((r) => r.path), ...Object.values(loadRegistry().replicas).map((x) => join(x.dir, x.file))],
      signal: abort.signal,
      onReady,
      onSaved: async (path, conflict) => {
        await queue;
        const folder = Object.values(loadRegistry().replicas).find((x) => join(x.dir, x.file) === path);
        const ref = locals.find((r) => r.path === path) ?? locals.find((r) => folder && knownVaultId(r.path) === folder.vaultId);
        const id = knownVaultId(ref?.path ?? path);
        if (!ref || !id) return;
        const registry = loadRegistry();
        // What the last sync left everywhere: a sync's own write, or a save that changed nothing, needs no sync.
        if (!conflict && sameDigest(localSha(path), registry.vaults[id]?.syncs.at(-1)?.sha256)) return;
        const elsewhere = findSticks(config.stickPaths ?? []).some((s) => s.info.vaults[id]) || Object.values(registry.replicas).some((x) => x.vaultId === id);
        if (!elsewhere && !conflict) return; // no other copy to bring up to date
        const why = conflict ? `${shown(path)} has a conflict copy beside it; syncing ${ref.name ?? ref.path}` : `${ref.name ?? ref.path} was saved; syncing it to the mounted sticks and folders`;
        await run(why, [ref.name ?? ref.path], false);
      },
    }),
  ]);
}

export async function stickInit(opts: GlobalOptions, mount: string, o: { label?: string; file?: string }): Promise<void> {
  const config = loadConfig();
  const ref = resolveVault(opts.vault, config);
  const file = o.file ?? basename(ref.path);
  if (file.startsWith('.stickvault')) throw new UsageError('--file must not be inside .stickvault');
  const keys = syncKeys(opts, ref);
  try {
    const vaultId = await vaultIdFor(ref, keys, []);
    const { info: stick, created } = initStick({ root: mount, label: o.label, vaultId, file, vaultName: ref.name ?? basename(ref.path, '.kdbx') });
    info(opts, `${created ? 'prepared' : 'updated'} stick '${stick.label}' (${stick.id}) at ${mount}; syncing ${labelOf(ref)} to it`);
    rememberIfNotMounted(opts, config, mount, stick.id);
    const sticks = findSticks(config.stickPaths ?? []);
    const report = await runSync({ vaultId, local: { path: ref.path, name: ref.name }, sticks, open: (b) => keys.open(b) });
    finish(opts, [{ name: labelOf(ref), ...report }]);
  } finally {
    keys.close();
  }
}

/** A stick that is a plain directory, not a mount point, is found later only through the config's stickPaths. */
function rememberIfNotMounted(opts: GlobalOptions, config: Config, mount: string, stickId: string): void {
  if (findSticks(config.stickPaths ?? []).some((s) => s.info.id === stickId)) return;
  config.stickPaths = [...(config.stickPaths ?? []), resolve(mount)];
  saveConfig(config);
  info(opts, `${resolve(mount)} is not a mount point; added it to stickPaths in the config so sync finds it`);
}

export function describeStaleness(v: { staleness: StickListing['vaults'][number]['staleness'] }): string {
  const s = v.staleness;
  if (s.current) return 'current';
  const parts = [];
  if (s.syncsBehind) parts.push(`${s.syncsBehind} sync(s) behind${s.entriesBehind !== undefined ? ` (${s.entriesBehind} entries)` : ''}`);
  if (s.localEdits) parts.push('behind the local edits made since the last sync');
  if (s.changedElsewhere) parts.push('changed elsewhere since it was last synced here');
  if (s.daysSinceSync !== undefined) parts.push(`last synced ${s.daysSinceSync} day(s) ago`);
  return parts.join(', ') || 'never synced from this machine';
}

export async function stickLs(opts: GlobalOptions): Promise<void> {
  const sticks = listSticks(loadConfig().stickPaths ?? []);
  if (opts.json) return printJson(sticks);
  if (!sticks.length) return info(opts, "no sticks known; prepare one with 'stv stick init MOUNTPOINT --label NAME'");
  for (const s of sticks) {
    out(`${s.label} (${s.id}) — ${s.mounted ? `mounted at ${s.path}` : `not mounted (last seen at ${s.path}${s.lastSeen ? `, ${s.lastSeen.slice(0, 10)}` : ''})`}`);
    for (const v of s.vaults) out(`  ${shown(v.name ?? v.vaultId)}  ${shown(v.file)}  ${describeStaleness(v)}`);
  }
}

export async function stickForget(opts: GlobalOptions, which: string): Promise<void> {
  const id = forgetStick(which);
  info(opts, `forgot stick ${which} (${id}); its files were not touched`);
  if (findSticks().some((s) => s.info.id === id)) warn('it is still mounted, so the next sync will find it again');
}
