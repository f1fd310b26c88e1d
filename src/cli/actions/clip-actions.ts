/** clip: read the field (through the agent when unlocked), copy it, hand the purge to the helper. */
import { openSync, writeSync, closeSync } from 'node:fs';
import { UsageError, StvError } from '../../errors/index.js';
import { loadConfig } from '../../config/index.js';
import { copySecret, clearNow, clipboardAvailable } from '../../clipboard/index.js';
import { type GlobalOptions, info, warn } from '../runtime.js';
import { query } from './read-actions.js';

export async function clip(opts: GlobalOptions, entry: string | undefined, field: string | undefined, o: { timeout?: string; clear?: boolean; printIfNoClipboard?: boolean }): Promise<void> {
  if (o.clear) {
    await clearNow();
    info(opts, 'clipboard cleared');
    return;
  }
  if (!entry) throw new UsageError("name the entry to copy from, e.g. 'stv clip amazon'");
  const timeout = o.timeout !== undefined ? Number(o.timeout) : loadConfig().clipboardSeconds ?? 30;
  if (!Number.isInteger(timeout) || timeout < 0 || timeout > 86400) throw new UsageError('--timeout must be whole seconds from 0 to 86400');
  const avail = clipboardAvailable();
  if (!avail.ok && !o.printIfNoClipboard) throw new StvError(`no clipboard: ${avail.fix}`);
  const { value, label } = (await query(opts, 'field', { entry, field: field ?? 'password' })) as { value: string; label: string };
  if (!avail.ok) {
    // Fall back to the terminal only, never to stdout (which may be a pipe or a log).
    let fd: number;
    try {
      fd = openSync('/dev/tty', 'w');
    } catch {
      throw new StvError(`no clipboard (${avail.fix}) and no terminal to show the value on`);
    }
    writeSync(fd, `${label}: ${value}\n`);
    closeSync(fd);
    return;
  }
  if (timeout === 0) warn('the value stays on the clipboard until you copy something else (--timeout 0)');
  await copySecret(value, { timeoutSeconds: timeout });
  info(opts, `copied ${label}; ${timeout ? `clears in ${timeout} s` : 'never cleared'}`);
}
