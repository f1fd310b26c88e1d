/**
 * Real programs the tests run: the built `stv`, keepassxc-cli and pykeepass
 * (Debian's /usr/bin/python3). Missing tools fail loudly under CI rather than
 * skipping silently.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
/** STV_TEST_BIN: run the tests against another build (to check that a new test fails on an older one). */
export const STV = process.env.STV_TEST_BIN ?? join(ROOT, 'dist', 'stv.js');

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function tempDir(prefix = 'stv-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  // Retries: a helper process may still be writing its last file there when a test ends.
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }) };
}

/** An isolated environment: XDG dirs under `home`, no agent of the developer's. */
export function isolatedEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('STICKVAULT') || k.startsWith('STV_')) delete env[k];
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_DATA_HOME: join(home, 'data'),
    XDG_STATE_HOME: join(home, 'state'),
    XDG_RUNTIME_DIR: join(home, 'run'),
    NO_COLOR: '1',
    ...extra,
  };
}

export function run(cmd: string, args: string[], opts: SpawnSyncOptions & { input?: string | Buffer } = {}): RunResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, maxBuffer: 256 * 1024 * 1024, ...opts });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

export function stv(args: string[], opts: SpawnSyncOptions & { input?: string | Buffer } = {}): RunResult {
  if (!existsSync(STV)) throw new Error(`${STV} is missing: run 'npm run build'`);
  return run(process.execPath, [STV, ...args], opts);
}

function requireTool(path: string, pkg: string): void {
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: install the Debian package '${pkg}' (npm test installs it when run as root)`);
  }
}

export function keepassxc(args: string[], input: string, cwd?: string): RunResult {
  requireTool('/usr/bin/keepassxc-cli', 'keepassxc');
  return run('/usr/bin/keepassxc-cli', args, { input, cwd, env: { ...process.env, QT_QPA_PLATFORM: 'offscreen' } });
}

/** Runs a Python snippet with Debian's python3 and pykeepass; `args` arrive as sys.argv[1:]. */
export function pykeepass(script: string, args: string[] = []): RunResult {
  requireTool('/usr/bin/python3', 'python3');
  const r = run('/usr/bin/python3', ['-c', script, ...args]);
  if (r.status !== 0 && /No module named 'pykeepass'/.test(r.stderr)) {
    throw new Error("pykeepass is missing: install the Debian package 'python3-pykeepass'");
  }
  return r;
}
