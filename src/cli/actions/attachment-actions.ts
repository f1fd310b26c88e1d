/** attachment ls|get|add|rm over a session. */
import { basename } from 'node:path';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { StvError, UsageError } from '../../errors/index.js';
import { readRegularFile, SafeReadError, writeFileAtomic } from '../../config/index.js';
import { resolveEntry, listAttachments, getAttachment, putAttachment, removeAttachment } from '../../vault/index.js';
import { type GlobalOptions, info, out, printJson } from '../runtime.js';
import { withSession } from '../session.js';

/** Attachments are bounded as KeePassXC's default history size suggests a sane file: 256 MiB. */
const MAX_ATTACHMENT = 256 * 1024 * 1024;

export async function ls(opts: GlobalOptions, spec: string): Promise<void> {
  await withSession(opts, async (s) => {
    const list = listAttachments(resolveEntry(s.vault.db, spec));
    if (opts.json) return printJson(list);
    for (const a of list) out(`${a.name}\t${a.size}`);
  });
}

export async function get(opts: GlobalOptions, spec: string, name: string, o: { output?: string; force?: boolean }): Promise<void> {
  await withSession(opts, async (s) => {
    const data = getAttachment(resolveEntry(s.vault.db, spec), name);
    if (!o.output) {
      // Raw bytes on a terminal could carry escape sequences that drive it (someone else's attachment).
      if (process.stdout.isTTY) throw new UsageError(`stdout is a terminal; save ${name} with -o FILE or pipe it ('stv attachment get … > FILE')`);
      await writeAll(process.stdout, data);
      return;
    }
    if (o.force) writeFileAtomic(o.output, data, 0o600);
    else writeNew(o.output, data);
    info(opts, `wrote ${name} (${data.length} bytes) to ${o.output}`);
  });
}

/** O_EXCL: an existing file (or a symlink planted in its place) is never written through. */
function writeNew(path: string, data: Uint8Array): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UsageError(`${path} already exists; use --force to replace it`);
    throw new StvError(`cannot write ${path}: ${code ?? (e as Error).message}`);
  }
  try {
    for (let off = 0; off < data.length;) off += writeSync(fd, data, off, data.length - off);
  } finally {
    closeSync(fd);
  }
}

function writeAll(stream: NodeJS.WriteStream, data: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => stream.write(data, (e) => (e ? reject(e) : resolve())));
}

export async function add(opts: GlobalOptions, spec: string, file: string, o: { name?: string }): Promise<void> {
  let data: Uint8Array;
  try {
    data = readRegularFile(file, { maxBytes: MAX_ATTACHMENT, follow: true, what: 'file to attach' });
  } catch (e) {
    throw e instanceof SafeReadError ? new UsageError(e.message) : e;
  }
  const name = o.name ?? basename(file);
  await withSession(opts, async (s) => {
    const e = resolveEntry(s.vault.db, spec);
    const replaced = putAttachment(s.vault.db, e, name, data);
    await s.save();
    if (opts.json) return printJson({ entry: e.path(), name, size: data.length, replaced });
    info(opts, `${replaced ? 'replaced' : 'attached'} ${name} (${data.length} bytes) ${replaced ? 'on' : 'to'} ${e.path()}${replaced ? '; the old one is in its history' : ''}`);
  });
}

export async function rm(opts: GlobalOptions, spec: string, name: string): Promise<void> {
  await withSession(opts, async (s) => {
    const e = resolveEntry(s.vault.db, spec);
    removeAttachment(s.vault.db, e, name);
    await s.save();
    info(opts, `removed ${name} from ${e.path()} (kept in its history)`);
  });
}
