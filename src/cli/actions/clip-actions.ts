/** clip: read the field (through the agent when unlocked), copy it, hand the purge to the helper. */
import { openSync, writeSync, closeSync } from 'node:fs';
import { UsageError, StvError } from '../../errors/index.js';
import { loadConfig } from '../../config/index.js';
import { copySecret, clearNow, clipboardAvailable, NoClipboardError } from '../../clipboard/index.js';
import { type GlobalOptions, info, warn } from '../runtime.js';
import { query } from './read-actions.js';

interface ClipFlags {
  timeout?: string;
  clear?: boolean;
  printIfNoClipboard?: boolean;
}

function timeoutSeconds(flag: string | undefined): number {
  if (flag === undefined) return loadConfig().clipboardSeconds ?? 30;
  if (!/^\d{1,5}$/.test(flag) || Number(flag) > 86400) throw new UsageError('--timeout must be whole seconds from 0 to 86400');
  return Number(flag);
}

/** Without a clipboard: the terminal only, never stdout (which may be a pipe or a log). */
function showOnTerminal(label: string, value: string, why: NoClipboardError): void {
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'w');
  } catch {
    throw new StvError(`${why.message}; and there is no terminal to show the value on`);
  }
  try {
    writeSync(fd, `${label}: ${value}\n`);
  } finally {
    closeSync(fd);
  }
}

export async function clip(opts: GlobalOptions, entry: string | undefined, field: string | undefined, o: ClipFlags): Promise<void> {
  if (o.clear) {
    if (entry) throw new UsageError("--clear takes no entry: 'stv clip --clear'");
    await clearNow();
    info(opts, 'clipboard cleared');
    return;
  }
  if (!entry) throw new UsageError("name the entry to copy from, e.g. 'stv clip amazon'");
  const timeout = timeoutSeconds(o.timeout);
  // Fail before asking for the master password when there is nowhere to put the value.
  const avail = clipboardAvailable();
  if (!avail.ok && !o.printIfNoClipboard) throw new NoClipboardError(avail.fix);
  const { value, label } = (await query(opts, 'field', { entry, field: field ?? 'password' })) as { value: string; label: string };
  try {
    if (!avail.ok) throw new NoClipboardError(avail.fix);
    await copySecret(value, { timeoutSeconds: timeout });
  } catch (e) {
    if (!(e instanceof NoClipboardError) || !o.printIfNoClipboard) throw e;
    showOnTerminal(label, value, e);
    return;
  }
  if (timeout === 0) warn('the value stays on the clipboard until you copy something else (--timeout 0)');
  info(opts, `copied ${label}; ${timeout ? `clears in ${timeout} s` : 'never cleared'}`);
}
