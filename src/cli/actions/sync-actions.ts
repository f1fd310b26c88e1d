/** stv sync and stv stick: thin adapters over src/sync. */
import { basename, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { StvError, SyncError, UsageError } from '../../errors/index.js';
import { loadConfig, resolveVault, saveConfig, type Config, type ResolvedVault } from '../../config/index.js';
import { readVaultFile, saveVaultFile, VaultMissingError } from '../../vault/index.js';
import {
  runSync, knownVaultId, findSticks, initStick, listSticks, forgetStick, ensureVaultId, recordLocalSave,
  watchSticks, defaultWatchDirs, type SyncReport, type MountedStick, type StickListing,
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
async function vaultIdFor(ref: ResolvedVault, keys: SyncKeys, sticks: MountedStick[]): Promise<string> {
  const known = knownVaultId(ref.path);
  if (known) return known;
  if (!existsSync(ref.path)) {
    const name = ref.name ?? basename(ref.path);
    const onStick = sticks.flatMap((s) => Object.entries(s.info.vaults)).find(([, v]) => v.name === name || basename(v.file) === basename(ref.path));
    if (onStick) return onStick[0];
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
  if (o.watch) return watch(opts, o);
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

function finish(opts: GlobalOptions, reports: (SyncReport & { name: string })[]): void {
  if (opts.json) printJson({ ok: !reports.some((r) => r.needsLook), vaults: reports });
  else for (const r of reports) printReport(opts, r);
  const failed = reports.flatMap((r) => r.copies.filter((c) => c.status === 'failed'));
  const conflicts = reports.reduce((n, r) => n + r.conflicts.length, 0);
  const damaged = reports.flatMap((r) => r.copies.filter((c) => c.status !== 'failed' && c.detail));
  if (failed.length || conflicts || damaged.length) {
    const parts = [failed.length && `${failed.length} cop${failed.length === 1 ? 'y' : 'ies'} failed`, conflicts && `${conflicts} conflict(s) to look at ('stv find stickvault-conflict')`, damaged.length && `${damaged.length} damaged cop${damaged.length === 1 ? 'y' : 'ies'} replaced`].filter(Boolean);
    throw new SyncError(`${parts.join(', ')}; the other copies are in sync`);
  }
}

function printReport(opts: GlobalOptions, r: SyncReport & { name: string }): void {
  const what = r.mode === 'merge' ? `merged: ${r.added} added, ${r.updated} updated, ${r.deleted} deleted, ${r.conflicts.length} conflict(s)` : r.mode === 'fast-forward' ? 'copied the newest version (no key needed)' : 'all copies identical';
  out(`${r.name}: ${what}${r.dryRun ? ' (dry run: nothing written)' : ''}`);
  const width = Math.max(...r.copies.map((c) => c.label.length));
  for (const c of r.copies) out(`  ${c.label.padEnd(width)}  ${c.status.padEnd(9)}  ${c.path}${[c.detail, c.note].filter(Boolean).map((d) => ` — ${d}`).join('')}`);
  for (const c of r.conflicts) out(`  conflict: ${c.path} — "${c.local.title}" (${c.local.modified}) and "${c.remote.title}" (${c.remote.modified}); both kept, tagged stickvault-conflict`);
  if (!r.copies.some((c) => c.kind === 'stick')) info(opts, `  no stick holding ${r.name} is mounted; prepare one with 'stv stick init MOUNTPOINT --label NAME'`);
}

async function watch(opts: GlobalOptions, o: SyncCliOptions): Promise<void> {
  const config = loadConfig();
  const dirs = o.watchDir?.length ? o.watchDir : defaultWatchDirs();
  const abort = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => abort.abort());
  info(opts, `watching ${dirs.join(', ')} and the mount table for sticks; Ctrl-C to stop`);
  await watchSticks({
    dirs,
    extraPaths: config.stickPaths ?? [],
    signal: abort.signal,
    onMounted: async (fresh) => {
      info(opts, `stick(s) mounted: ${fresh.map((s) => `${s.info.label} at ${s.root}`).join(', ')}`);
      try {
        await sync(opts, [], { ...o, watch: false, all: true });
      } catch (e) {
        // Keep watching: one failed sync must not end the watcher.
        const err = e as StvError;
        errorLine(err.message);
      }
    },
  });
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

function describeStaleness(v: StickListing['vaults'][number]): string {
  const s = v.staleness;
  if (s.current) return 'current';
  const parts = [];
  if (s.syncsBehind !== undefined) parts.push(`${s.syncsBehind} sync(s) behind${s.entriesBehind !== undefined ? ` (${s.entriesBehind} entries)` : ''}`);
  if (s.daysSinceSync !== undefined) parts.push(`last synced ${s.daysSinceSync} day(s) ago`);
  return parts.join(', ') || 'never synced from this machine';
}

export async function stickLs(opts: GlobalOptions): Promise<void> {
  const sticks = listSticks(loadConfig().stickPaths ?? []);
  if (opts.json) return printJson(sticks);
  if (!sticks.length) return info(opts, "no sticks known; prepare one with 'stv stick init MOUNTPOINT --label NAME'");
  for (const s of sticks) {
    out(`${s.label} (${s.id}) — ${s.mounted ? `mounted at ${s.path}` : `not mounted (last seen at ${s.path}${s.lastSeen ? `, ${s.lastSeen.slice(0, 10)}` : ''})`}`);
    for (const v of s.vaults) out(`  ${v.name ?? v.vaultId}  ${v.file}  ${describeStaleness(v)}`);
  }
}

export async function stickForget(opts: GlobalOptions, which: string): Promise<void> {
  const id = forgetStick(which);
  info(opts, `forgot stick ${which} (${id}); its files were not touched`);
  if (findSticks().some((s) => s.info.id === id)) warn('it is still mounted, so the next sync will find it again');
}
