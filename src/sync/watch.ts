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
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
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
}

export async function watchSticks(o: WatchOptions): Promise<void> {
  const { watch } = await import('chokidar');
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
  const watcher = watch(o.dirs.filter((d) => existsSync(d)), { depth: 1, ignoreInitial: true, ignorePermissionErrors: true, followSymlinks: false });
  watcher.on('addDir', look).on('unlinkDir', look).on('add', look);
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
  /** Called once a file has been quiet for `debounceMs` after a change. */
  onSaved(path: string): Promise<void>;
  debounceMs?: number;
  signal: AbortSignal;
}

/** Watches local vault files; a burst of changes (a save is temp + rename, maybe a .bak) becomes one call. */
export async function watchLocalSaves(o: LocalWatchOptions): Promise<void> {
  const { watch } = await import('chokidar');
  const wanted = new Set(o.paths.map((p) => resolve(p)));
  const timers = new Map<string, NodeJS.Timeout>();
  let running = Promise.resolve();
  const changed = (p: string) => {
    const path = resolve(p);
    if (!wanted.has(path) || o.signal.aborted) return;
    clearTimeout(timers.get(path));
    timers.set(path, setTimeout(() => {
      timers.delete(path);
      running = running.then(() => (o.signal.aborted ? undefined : o.onSaved(path)));
    }, o.debounceMs ?? 1500));
  };
  // The directories, not the files: a save renames a new file over the old one.
  const dirs = [...new Set([...wanted].map((p) => dirname(p)))].filter((d) => existsSync(d));
  const watcher = watch(dirs, { depth: 0, ignoreInitial: true, ignorePermissionErrors: true, followSymlinks: false });
  watcher.on('add', changed).on('change', changed);
  await aborted(o.signal);
  for (const t of timers.values()) clearTimeout(t);
  await watcher.close();
  await running;
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
}
