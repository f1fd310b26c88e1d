/** stv sync and stv stick: thin adapters over src/sync. */
import { basename, join, resolve } from 'node:path';
import { StvError, SyncError, UsageError } from '../../errors/index.js';
import { loadConfig, resolveVault, saveConfig, type Config, type ResolvedVault } from '../../config/index.js';
import {
  runSync, findSticks, initStick, listSticks, forgetStick, watchSticks, watchLocalSaves, defaultWatchDirs, syncKeys, chooseSyncTargets, vaultIdFor, saveNeedsSync, labelOf,
  knownVaultId, loadRegistry,
  type SyncReport, type MountedStick, type StickListing, type SyncKeys, type SyncTarget,
} from '../../sync/index.js';
import { type GlobalOptions, errorLine, info, out, printJson, warn } from '../runtime.js';
import { keySourceFor, startProgress } from '../session.js';

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

async function syncTarget(opts: GlobalOptions, t: SyncTarget, sticks: MountedStick[], o: SyncCliOptions, keys: SyncKeys): Promise<SyncReport & { name: string }> {
  const progress = await startProgress(opts, `syncing ${t.label}`);
  try {
    const report = await runSync({
      vaultId: t.vaultId, local: t.local, sticks, dryRun: o.dryRun, generations: generations(o.generations),
      // The spinner pauses while a password prompt may be on screen.
      open: async (bytes, _copy, how) => {
        progress.stop();
        return keys.open(bytes, how);
      },
      prefetch: (bytes) => keys.prefetch(bytes),
      onProgress: (what) => progress.label(`syncing ${t.label}: ${what}`),
    });
    return { name: t.label, ...report };
  } finally {
    progress.stop();
  }
}

async function targetsFor(opts: GlobalOptions, names: string[], o: SyncCliOptions, sticks: MountedStick[], keysFor: (ref: ResolvedVault) => SyncKeys): Promise<SyncTarget[]> {
  const config = loadConfig();
  const refs = o.all ? Object.keys(config.vaults ?? {}).map((n) => resolveVault(n, config)) : (names.length ? names : [opts.vault]).map((n) => resolveVault(n, config));
  return chooseSyncTargets({ config, refs, all: o.all, sticks, keysFor });
}

export async function sync(opts: GlobalOptions, names: string[], o: SyncCliOptions): Promise<void> {
  if (o.watch) return watch(opts, names, o);
  const config = loadConfig();
  const sticks = findSticks(config.stickPaths ?? []);
  const keyring = new Map<string, SyncKeys>();
  const keysFor = (ref: ResolvedVault) => keyring.get(ref.path) ?? keyring.set(ref.path, syncKeys(keySourceFor(opts, ref), { allowSlowKdf: opts.allowSlowKdf })).get(ref.path)!;
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
        if (!ref || (!conflict && !saveNeedsSync(path, config.stickPaths ?? [], ref.path))) return;
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
  const keys = syncKeys(keySourceFor(opts, ref), { allowSlowKdf: opts.allowSlowKdf });
  try {
    const vaultId = await vaultIdFor(ref, keys, []);
    const { info: stick, created } = initStick({ root: mount, label: o.label, vaultId, file, vaultName: ref.name ?? basename(ref.path, '.kdbx') });
    info(opts, `${created ? 'prepared' : 'updated'} stick '${stick.label}' (${stick.id}) at ${mount}; syncing ${labelOf(ref)} to it`);
    rememberIfNotMounted(opts, config, mount, stick.id);
    const sticks = findSticks(config.stickPaths ?? []);
    const report = await runSync({ vaultId, local: { path: ref.path, name: ref.name }, sticks, open: (b, _c, how) => keys.open(b, how), prefetch: (b) => keys.prefetch(b) });
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
