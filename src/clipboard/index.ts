/**
 * Copy a secret to the clipboard and purge it later — only if it is still
 * ours. The purge runs in a detached helper that holds a salted hash, never
 * the value.
 */
import { spawn } from 'node:child_process';
import { hashValue } from './hash.js';
import { clipboardAvailable, readClipboard, writeClipboard } from './system.js';
import { sendToHelper, type PurgeOrder } from './helper.js';
import { StvError } from '../errors/index.js';

export { clipboardAvailable, readClipboard, writeClipboard } from './system.js';
export { runClipHelper, helperSocket } from './helper.js';
export { hashValue, matches } from './hash.js';

export interface CopyOptions {
  /** 0 = never purge. */
  timeoutSeconds: number;
  /** The CLI entry to start the helper with (process.argv[1] of stv). */
  cliEntry?: string;
}

async function startHelper(order: PurgeOrder, cliEntry: string): Promise<void> {
  if (await sendToHelper(order)) return;
  const child = spawn(process.execPath, [cliEntry, '__clip-helper'], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  child.stdin!.end(JSON.stringify(order));
  child.unref();
}

export async function copySecret(value: string, o: CopyOptions): Promise<{ clearsInSeconds: number }> {
  const avail = clipboardAvailable();
  if (!avail.ok) throw new StvError(`no clipboard: ${avail.fix}`);
  await writeClipboard(value);
  if (o.timeoutSeconds > 0) {
    await startHelper({ ...hashValue(value), deadline: Date.now() + o.timeoutSeconds * 1000 }, o.cliEntry ?? process.argv[1]);
  }
  return { clearsInSeconds: o.timeoutSeconds };
}

/** Purge now, whatever the clipboard holds (`stv clip --clear`), and stop a waiting helper. */
export async function clearNow(): Promise<void> {
  const avail = clipboardAvailable();
  if (!avail.ok) throw new StvError(`no clipboard: ${avail.fix}`);
  const current = await readClipboard().catch(() => '');
  await writeClipboard('');
  await sendToHelper({ ...hashValue(current), deadline: 0 });
}
