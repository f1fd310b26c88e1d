/**
 * The watchdog that removes a run's secret files when stv dies, however it
 * dies (kill -9 included): a detached process holding the read end of a pipe
 * whose only write end is stv's. The kernel closes that end when stv exits,
 * the watchdog reads end-of-file and removes the directory. It holds no
 * secret: only the directory's path.
 */
import { spawn } from 'node:child_process';
import { isRunDir, removeRunDir } from './files.js';

/** Start the watchdog for `dir`; resolves once it runs. The returned function stands it down. */
export function startWatchdog(dir: string, cliEntry = process.argv[1]): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliEntry, '__exec-watchdog', dir], { detached: true, cwd: '/', stdio: ['pipe', 'ignore', 'ignore'] });
    child.once('error', reject);
    child.once('spawn', () => {
      child.stdin!.on('error', () => undefined);
      child.unref();
      (child.stdin as unknown as { unref?: () => void }).unref?.();
      resolve(() => child.stdin!.end());
    });
  });
}

/** The watchdog's body (`stv __exec-watchdog DIR`): wait for end of input, then remove DIR. */
export function runWatchdog(dir: string): void {
  if (!isRunDir(dir)) return;
  process.stdin.resume();
  process.stdin.on('data', () => undefined);
  const done = () => {
    removeRunDir(dir);
    process.exit(0);
  };
  process.stdin.once('end', done);
  process.stdin.once('error', done);
}
