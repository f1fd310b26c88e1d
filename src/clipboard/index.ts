/**
 * Copy a secret to the clipboard and purge it later — only if it is still
 * ours. The purge runs in a detached helper (the hidden `__clip-helper`
 * command) that holds a salted hash, never the value.
 */
import { spawn } from 'node:child_process';
import { StvError, UsageError } from '../errors/index.js';
import { hashValue } from './hash.js';
import { markStarting, sendToHelper, type ClipOrder } from './protocol.js';
import { clipboardAvailable, NoClipboardError, writeClipboard } from './system.js';

export { clipboardAvailable, NoClipboardError, type Availability } from './system.js';
export { runClipHelper } from './helper.js';

export interface CopyOptions {
  /** Whole seconds until the purge; 0 = never purge. */
  timeoutSeconds: number;
  /** The stv script that runs `__clip-helper`; default: the running one (process.argv[1]). */
  cliEntry?: string;
}

/** The helper gets only what it needs to reach the clipboard: not the caller's whole environment. */
const HELPER_ENV = ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TMPDIR', 'DISPLAY', 'XAUTHORITY', 'WAYLAND_DISPLAY', 'XDG_RUNTIME_DIR', 'XDG_SESSION_TYPE', 'WSL_DISTRO_NAME', 'WSL_INTEROP'];

function helperEnv(): NodeJS.ProcessEnv {
  if (process.platform === 'win32') return process.env;
  return Object.fromEntries(HELPER_ENV.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
}

function startHelper(order: ClipOrder, cliEntry: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // cwd '/': a helper must not keep the USB stick stv was started from busy.
    const child = spawn(process.execPath, [cliEntry, '__clip-helper'], { detached: true, cwd: '/', env: helperEnv(), stdio: ['pipe', 'ignore', 'ignore'] });
    child.once('error', reject);
    child.once('spawn', () => {
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(JSON.stringify(order) + '\n');
      child.unref();
      markStarting(child.pid!);
      resolve();
    });
  });
}

/** Put `value` on the clipboard and have it purged after `timeoutSeconds` if it is still there then. */
export async function copySecret(value: string, o: CopyOptions): Promise<{ clearsInSeconds: number }> {
  if (!Number.isInteger(o.timeoutSeconds) || o.timeoutSeconds < 0) throw new UsageError('the clipboard timeout must be whole seconds, 0 or more');
  const avail = clipboardAvailable();
  if (!avail.ok) throw new NoClipboardError(avail.fix);
  const copiedAt = Date.now();
  const deadline = o.timeoutSeconds === 0 ? null : copiedAt + o.timeoutSeconds * 1000;
  const order: ClipOrder = { v: 1, kind: 'purge', copiedAt, deadline, ...hashValue(value) };
  // Tell a running helper before writing: it finishes a purge under way first, so that purge cannot wipe this value.
  const handedOver = await sendToHelper(order);
  await writeClipboard(value);
  // With no timeout a running helper was only told to spare this value; none is started.
  if (!handedOver && deadline !== null) {
    try {
      await startHelper(order, o.cliEntry ?? process.argv[1]);
    } catch {
      await writeClipboard('');
      throw new StvError('could not start the clipboard purge helper, so nothing was copied; try again, or check that stv can run node');
    }
  }
  return { clearsInSeconds: o.timeoutSeconds };
}

/** Purge now, whatever the clipboard holds (`stv clip --clear`), and stand the helper down. */
export async function clearNow(): Promise<void> {
  const avail = clipboardAvailable();
  if (!avail.ok) throw new NoClipboardError(avail.fix);
  await writeClipboard('');
  await sendToHelper({ v: 1, kind: 'forget', copiedAt: Date.now() });
}
