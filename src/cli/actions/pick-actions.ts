/** stv pick: choose an entry in a picker, then copy its field as stv clip does (purged after the timeout). */
import { isatty } from 'node:tty';
import { NotFoundError } from '../../errors/index.js';
import type { EntrySummary } from '../../vault/index.js';
import { bestMatch, choosePicker, pickerLines, runPicker } from '../../picker/index.js';
import { loadConfig } from '../../config/index.js';
import { clipboardAvailable, NoClipboardError } from '../../clipboard/index.js';
import type { GlobalOptions } from '../runtime.js';
import { query } from './read-actions.js';
import { clip } from './clip-actions.js';
import { finishWith } from '../exit-codes.js';

export interface PickFlags {
  picker?: string;
  field?: string;
  best?: boolean;
  timeout?: string;
  printIfNoClipboard?: boolean;
}

export async function pick(opts: GlobalOptions, q: string | undefined, o: PickFlags): Promise<void> {
  const picker = o.best ? undefined : choosePicker(o.picker ?? loadConfig().picker, q ?? '', isatty(2) || isatty(0));
  if (o.best && !q) throw new NotFoundError('--best needs a QUERY to match, e.g. stv pick --best amazon');
  // Nowhere to put the value: say so before the password is asked and the picker shown.
  const avail = clipboardAvailable();
  if (!avail.ok && !o.printIfNoClipboard) throw new NoClipboardError(avail.fix);
  const entries = (await query(opts, 'find', { query: '' })) as EntrySummary[];
  const lines = pickerLines(entries);
  const chosen = o.best ? await bestMatch(q!, [...lines.keys()]) : await runPicker(picker!, [...lines.keys()]);
  if (!chosen) {
    if (o.best) throw new NotFoundError(`no entry matches '${q}'`);
    process.stderr.write('stv: nothing chosen; nothing was copied\n');
    return finishWith('cancelled');
  }
  const uuid = lines.get(chosen);
  if (!uuid) throw new NotFoundError(`the picker returned '${chosen.slice(0, 60)}', which is not one of the entries it was shown`);
  await clip(opts, uuid, o.field, { timeout: o.timeout, printIfNoClipboard: o.printIfNoClipboard });
}
