/**
 * `stv sync --watch`: notice sticks as they are mounted. chokidar watches the
 * usual mount parents (a desktop creates /media/$USER/LABEL on mount), but a
 * mount over an existing directory changes no directory entry, so the mount
 * table is also re-read every few seconds; either way, what counts is
 * /proc/self/mountinfo.
 */
import { userInfo } from 'node:os';
import { existsSync } from 'node:fs';
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
  const watcher = watch(o.dirs.filter((d) => existsSync(d)), { depth: 1, ignoreInitial: true, ignorePermissionErrors: true });
  watcher.on('addDir', look).on('unlinkDir', look).on('add', look);
  const timer = setInterval(look, o.rescanMs ?? 2000);
  look();
  await new Promise<void>((resolve) => o.signal.addEventListener('abort', () => resolve(), { once: true }));
  clearInterval(timer);
  await watcher.close();
  await running;
}
