/**
 * `stv sync --watch`: notice sticks as they are mounted, and local saves.
 * chokidar watches the usual mount parents (a desktop creates
 * /media/$USER/LABEL on mount), but a mount over an existing directory
 * changes no directory entry, so the mount table is also re-read every few
 * seconds; either way, what counts is /proc/self/mountinfo, and a stick is
 * read only through StickFs (no link on it is followed — nor by the watcher).
 * A local vault file saved (by stv, KeePassXC, anything) is synced to the
 * mounted sticks once it has been quiet for a moment.
 */
import { userInfo } from 'node:os';
import { existsSync, readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { conflictToolOf } from './conflict-names.js';
import { findSticks } from './discovery.js';
import type { MountedStick } from './sticks.js';

export function defaultWatchDirs(): string[] {
  const user = process.env.USER ?? userInfo().username;
  return [`/media/${user}`, `/run/media/${user}`, '/media', '/mnt'];
}

export interface WatchOptions {
  dirs: string[];
  extraPaths: string[];
  /** Called with the sticks that appeared since the last look (all mounted ones the first time). */
  onMounted(sticks: MountedStick[]): Promise<void>;
  rescanMs?: number;
  signal: AbortSignal;
  /** Called once the watcher sees changes (before that, a mount or save could go unnoticed). */
  onReady?(): void;
}

export async function watchSticks(o: WatchOptions): Promise<void> {
  const { watch: chokidar } = await import('chokidar');
  let present = new Set<string>();
  let running = Promise.resolve();
  let again = false;
  const look = () => {
    // One look at a time; a change during a sync triggers one more look after it.
    if (again) return;
    again = true;
    running = running.then(async () => {
      again = false;
      const now = findSticks(o.extraPaths);
      const fresh = now.filter((s) => !present.has(s.info.id));
      present = new Set(now.map((s) => s.info.id));
      if (fresh.length && !o.signal.aborted) await o.onMounted(fresh);
    });
  };
  const watcher = chokidar(o.dirs.filter((d) => existsSync(d)), { depth: 1, ignoreInitial: true, ignorePermissionErrors: true, followSymlinks: false });
  watcher.on('addDir', look).on('unlinkDir', look).on('add', look);
  await ready(watcher);
  o.onReady?.();
  const timer = setInterval(look, o.rescanMs ?? 2000);
  look();
  await aborted(o.signal);
  clearInterval(timer);
  await watcher.close();
  await running;
}

export interface LocalWatchOptions {
  /** The local vault files to watch. */
  paths: string[];
  /** Called once a file has been quiet for `debounceMs` after a change (`conflict`: a sync tool's conflict copy of it appeared or changed). */
  onSaved(path: string, conflict: boolean): Promise<void>;
  debounceMs?: number;
  /** How often the files are also stat-ed. */
  pollMs?: number;
  signal: AbortSignal;
  onReady?(): void;
}

/**
 * Watches local vault files; a burst of changes (a save is temp + rename,
 * maybe a .bak) becomes one call. fs.watch on each file's directory names
 * the file a rename lands on (chokidar's atomic-save handling could swallow
 * it); a stat every few seconds catches what a file system does not report.
 */
export async function watchLocalSaves(o: LocalWatchOptions): Promise<void> {
  const wanted = new Map(o.paths.map((p) => [resolve(p), statKey(resolve(p))]));
  const timers = new Map<string, NodeJS.Timeout>();
  let running = Promise.resolve();
  const conflicts = new Set<string>();
  const changed = (changedPath: string) => {
    // A conflict copy beside a watched file (conflict-names.ts) stands for that file.
    const path = wanted.has(changedPath) ? changedPath : [...wanted.keys()].find((p) => dirname(p) === dirname(changedPath) && conflictToolOf(basename(p), basename(changedPath)));
    if (!path || o.signal.aborted) return;
    if (path !== changedPath) conflicts.add(path);
    wanted.set(path, statKey(path));
    clearTimeout(timers.get(path));
    timers.set(path, setTimeout(() => {
      timers.delete(path);
      // Only while one is there: setting conflict copies aside (a sync's own doing) is no reason to sync again.
      const conflict = conflicts.delete(path) && conflictBeside(path);
      running = running.then(() => (o.signal.aborted ? undefined : o.onSaved(path, conflict)));
    }, o.debounceMs ?? 1500));
  };
  const watchers: FSWatcher[] = [];
  for (const dir of new Set([...wanted.keys()].map((p) => dirname(p)))) {
    try {
      watchers.push(watch(dir, { persistent: true }, (_event, name) => name && changed(join(dir, name.toString()))));
    } catch {
      // not there (yet): the stat below still notices the file once it is
    }
  }
  const poll = setInterval(() => {
    for (const [path, key] of wanted) if (statKey(path) !== key) changed(path);
  }, o.pollMs ?? 3000);
  o.onReady?.();
  await aborted(o.signal);
  clearInterval(poll);
  for (const w of watchers) w.close();
  for (const t of timers.values()) clearTimeout(t);
  await running;
}

function conflictBeside(path: string): boolean {
  try {
    return readdirSync(dirname(path)).some((n) => conflictToolOf(basename(path), n));
  } catch {
    return false;
  }
}

function statKey(path: string): string {
  try {
    const st = statSync(path);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return 'absent';
  }
}

function ready(watcher: { once(event: 'ready', f: () => void): unknown }): Promise<void> {
  return new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
}
