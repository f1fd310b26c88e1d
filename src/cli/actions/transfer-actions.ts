/** import, export, merge over a session. */
import { basename, extname, resolve } from 'node:path';
import { UsageError } from '../../errors/index.js';
import { Vault, SameCredentialsOpener, readVaultFile, splitPath, mergeCopies, CONFLICT_TAG, uuidText } from '../../vault/index.js';
import { loadConfig, resolveVault, readRegularFile, SafeReadError } from '../../config/index.js';
import { readKdb } from '../../vault/kdb/index.js';
import { detectFormat, importInto, importKdb, exportVault as exportText, type ImportFormat, type ExportFormat, type ImportResult } from '../../transfer/index.js';
import { vaultIdOf } from '../../sync/index.js';
import { type GlobalOptions, canSpin, info, out, printJson, warn } from '../runtime.js';
import { openSession, readCredentials } from '../session.js';

/** An import file is someone else's: a regular file (a FIFO or /dev/zero would hang or never end), bounded. */
function readInput(file: string): Uint8Array {
  try {
    return readRegularFile(file, { maxBytes: MAX_IMPORT_BYTES, follow: true, what: 'import file' });
  } catch (e) {
    throw e instanceof SafeReadError ? new UsageError(e.message) : e;
  }
}
const MAX_IMPORT_BYTES = 1024 * 1024 * 1024;

/** Large imports show "importing… 4000/10000 entries" on a terminal; silent otherwise or with -q. */
async function importProgress(opts: GlobalOptions): Promise<{ update(done: number, total: number): void; stop(): void }> {
  if (!canSpin(opts)) return { update() {}, stop() {} };
  const { default: ora } = await import('ora');
  const spinner = ora({ text: 'importing…', stream: process.stderr, color: opts.color ? 'cyan' : undefined, isEnabled: true });
  let shown = 0;
  return {
    update(done, total) {
      if (total < PROGRESS_FROM) return;
      // Entries are added in one synchronous loop: draw by hand, at most every 50 ms.
      if (done !== total && Date.now() - shown < 50) return;
      shown = Date.now();
      spinner.text = `importing… ${done}/${total} entries`;
      spinner.render();
    },
    stop() {
      spinner.stop();
    },
  };
}
const PROGRESS_FROM = 500;

export interface ImportFlags {
  format?: ImportFormat;
  group?: string;
  keyfileFrom?: string;
  passwordFrom?: boolean;
  skipExisting?: boolean;
}

export async function importFile(opts: GlobalOptions, file: string, o: ImportFlags): Promise<void> {
  const bytes = readInput(file);
  const format = o.format ?? detectFormat(file, bytes);
  if (format !== 'kdb' && (o.keyfileFrom || o.passwordFrom === false)) throw new UsageError('--keyfile-from and --no-password-from are for KeePass 1 .kdb files; this file has no key');
  if (o.passwordFrom === false && !o.keyfileFrom) throw new UsageError('--no-password-from needs the old file\'s keyfile: --keyfile-from PATH');
  const into = o.group !== undefined ? splitPath(o.group).filter(Boolean) : ['Imported', basename(file, extname(file))];
  const s = await openSession(opts, format === 'kdb' && o.passwordFrom !== false ? { stdinCarries: `the password of ${basename(file)}` } : {});
  const progress = await importProgress(opts);
  try {
    let r: ImportResult;
    if (format === 'kdb') {
      // The old file's own credentials, as `stv merge` takes the other file's: the terminal or the next stdin line.
      const creds = await readCredentials(
        { ...opts, passwordFile: undefined, passwordFd: undefined, keyfile: o.keyfileFrom, password: o.passwordFrom !== false },
        { path: file },
        { prompt: `Password for ${basename(file)}:` },
      );
      try {
        const kdb = await readKdb(bytes, creds, { allowSlowKdf: opts.allowSlowKdf });
        r = importKdb(s.vault.db, into, kdb, { skipExisting: o.skipExisting });
      } finally {
        creds.wipe();
      }
    } else {
      r = importInto(s.vault.db, into, format, bytes, { onProgress: progress.update, skipExisting: o.skipExisting });
    }
    progress.stop();
    if (r.count > 0 || r.groups) await s.save();
    if (opts.json) return printJson({ imported: r.count, groups: r.groups, alreadyThere: r.duplicates, skipped: o.skipExisting ? r.duplicates : 0, notImported: r.notImported, group: r.groupPath, format: r.detail });
    for (const what of r.notImported) warn(`not imported: ${what}`);
    if (r.duplicates && o.skipExisting) info(opts, `skipped ${r.duplicates} ${plural(r.duplicates, 'item')} already in ${r.groupPath} with the same content`);
    else if (r.duplicates) warn(`${r.duplicates} of the imported items were already in ${r.groupPath} with the same content, and are there twice now; 'stv import --skip-existing' leaves them out`);
    const groups = r.groups !== undefined ? `${r.groups} ${plural(r.groups, 'group')} and ` : '';
    info(opts, `imported ${groups}${r.count} ${plural(r.count, 'entry', 'entries')} from ${r.detail} into ${r.groupPath}`);
  } finally {
    progress.stop();
    s.close();
  }
}

const plural = (n: number, one: string, many = `${one}s`) => (n === 1 ? one : many);

export async function exportVault(opts: GlobalOptions, o: { format?: ExportFormat; rawCsv?: boolean }): Promise<void> {
  if (!o.format) throw new UsageError('export writes every password in plaintext; say which format with --format xml|csv|json');
  if (process.stdout.isTTY) warn('writing plaintext passwords to the terminal');
  const s = await openSession(opts);
  try {
    process.stdout.write(exportText(s.vault.db, o.format, { rawCsv: o.rawCsv }));
  } finally {
    s.close();
  }
}

export async function merge(opts: GlobalOptions, other: string, o: { sameCredentials?: boolean; keyfileFrom?: string; passwordFrom?: boolean; dryRun?: boolean }): Promise<void> {
  const otherPath = resolve(other);
  if (otherPath === resolveVault(opts.vault, loadConfig()).path) throw new UsageError('cannot merge a vault with itself');
  const { bytes } = readVaultFile(otherPath);
  // Same credentials: the other file's key is derived while this one is parsed (see SameCredentialsOpener).
  const same = o.sameCredentials ? new SameCredentialsOpener(bytes, { allowSlowKdf: opts.allowSlowKdf }) : undefined;
  let s;
  try {
    s = await openSession(opts, {
      readAll: true, // a merge reads every entry of both files
      keepCredentials: Boolean(same),
      afterKdf: same?.afterKdf,
      stdinCarries: !same && o.passwordFrom !== false ? `the password of ${otherPath}` : undefined,
    });
  } finally {
    same?.release();
  }
  try {
    let theirs: Vault;
    if (same) {
      theirs = await same.open(s);
    } else {
      const creds = await readCredentials(
        { ...opts, keyfile: o.keyfileFrom, password: o.passwordFrom !== false, passwordFile: undefined, passwordFd: undefined },
        { path: otherPath },
        { prompt: `Password for ${otherPath}:` },
      );
      try {
        theirs = await Vault.open(bytes, creds, { allowSlowKdf: opts.allowSlowKdf, readAll: true });
      } finally {
        creds.wipe();
      }
    }
    const ourId = vaultIdOf(s.vault.db);
    const theirId = vaultIdOf(theirs.db);
    if (ourId && theirId && ourId !== theirId) {
      theirs.close();
      throw new UsageError(`${otherPath} is another vault (id ${theirId}) than ${s.ref.name ?? s.ref.path} (id ${ourId}); copies of two different vaults are never merged`);
    }
    const r = mergeCopies([{ db: s.vault.db, label: s.ref.name ?? basename(s.ref.path) }, { db: theirs.db, label: basename(otherPath) }]);
    theirs.close();
    // Saved whenever the result differs from this file in any way (history, tags, deletion records, settings too).
    const differs = r.differs[0];
    if (!o.dryRun && differs) await s.save();
    if (opts.json) return printJson({ changes: r.changes.map((c) => ({ ...c, uuid: c.uuid && uuidText(c.uuid) })), conflicts: r.conflicts.map((c) => ({ ...c, uuid: uuidText(c.uuid) })), differs, saved: !o.dryRun && differs });
    if (!opts.quiet) for (const c of r.changes) out(`${c.kind}: ${c.path || '(database)'}${c.detail ? ` — ${c.detail}` : ''}`);
    if (r.conflicts.length) warn(`${r.conflicts.length} concurrent edit(s): both values kept, the later one current, the other in history (tag ${CONFLICT_TAG}); see 'stv conflicts'`);
    info(opts, differs ? (o.dryRun ? 'dry run: nothing saved' : `merged ${otherPath} into ${s.ref.path}`) : 'databases are already in sync');
  } finally {
    s.close();
  }
}
