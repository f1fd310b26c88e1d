/** import, export, merge over a session. */
import { basename, extname, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { UsageError } from '../../errors/index.js';
import { Vault, readVaultFile, kdfFingerprint, sameDigest, uuidText, type Credentials, type DerivedKey } from '../../vault/index.js';
import { loadConfig, resolveVault } from '../../config/index.js';
import { wipe } from '../../secret/index.js';
import { readKdb } from '../../vault/kdb/index.js';
import { detectFormat, importInto, exportVault as exportText, kdbItems, addItems, type ImportFormat, type ExportFormat } from '../../transfer/index.js';
import { mergeDatabases, vaultIdOf } from '../../sync/index.js';
import { type GlobalOptions, info, out, printJson, warn } from '../runtime.js';
import { openSession, readCredentials, wipeCredentials } from '../session.js';

function readInput(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Large imports show "importing… 4000/10000 entries" on a terminal; silent otherwise or with -q. */
async function importProgress(opts: GlobalOptions): Promise<{ update(done: number, total: number): void; stop(): void }> {
  if (opts.quiet || !process.stderr.isTTY) return { update() {}, stop() {} };
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

export async function importFile(opts: GlobalOptions, file: string, o: { format?: ImportFormat; group?: string }): Promise<void> {
  const bytes = readInput(file);
  const format = o.format ?? detectFormat(file, bytes);
  const into = (o.group ?? `Imported/${basename(file, extname(file))}`).split('/').filter(Boolean);
  const s = await openSession(opts, format === 'kdb' ? { stdinCarries: `the password of ${basename(file)}` } : {});
  const progress = await importProgress(opts);
  try {
    let count: number;
    let where: string;
    let detail: string;
    if (format === 'kdb') {
      const creds = await readCredentials({ ...opts, passwordFile: undefined, passwordFd: undefined, keyfile: undefined, password: true }, { path: file }, { prompt: `Password for ${basename(file)}:` });
      try {
        const kdb = await readKdb(bytes, { password: creds.password ? Buffer.from(creds.password).toString('utf8') : undefined }, { allowSlowKdf: opts.allowSlowKdf });
        const items = kdbItems(kdb);
        where = addItems(s.vault.db, into, items, progress.update).path();
        count = items.length;
        detail = 'KeePass 1 .kdb';
      } finally {
        wipeCredentials(creds);
      }
    } else {
      const r = importInto(s.vault.db, into, format, bytes, progress.update);
      ({ count, detail } = r);
      where = r.groupPath;
    }
    progress.stop();
    await s.save();
    if (opts.json) printJson({ imported: count, group: where, format: detail });
    else info(opts, `imported ${count} entries from ${detail} into ${where}`);
  } finally {
    progress.stop();
    s.close();
  }
}

export async function exportVault(opts: GlobalOptions, o: { format?: ExportFormat }): Promise<void> {
  if (!o.format) throw new UsageError('export writes every password in plaintext; say which format with --format xml|csv|json');
  if (process.stdout.isTTY) warn('writing plaintext passwords to the terminal');
  const s = await openSession(opts);
  try {
    process.stdout.write(exportText(s.vault.db, o.format));
  } finally {
    s.close();
  }
}

export async function merge(opts: GlobalOptions, other: string, o: { sameCredentials?: boolean; keyfileFrom?: string; passwordFrom?: boolean; dryRun?: boolean }): Promise<void> {
  const otherPath = resolve(other);
  if (otherPath === resolveVault(opts.vault, loadConfig()).path) throw new UsageError('cannot merge a vault with itself');
  const { bytes } = readVaultFile(otherPath);
  // Same credentials: the other file needs no KDF when its parameters are ours, else its KDF runs in
  // the worker thread that derived ours, held for it, while this file is parsed (two keepassxc-written
  // files have two salts).
  let sameKdf = false;
  let theirKey: Promise<DerivedKey> | undefined;
  const afterKdf = (creds: Credentials, ours: DerivedKey) => {
    if (sameDigest(ours.kdfFingerprint, kdfFingerprint(Vault.header(bytes).kdf))) return void (sameKdf = true);
    const copy: Credentials = { password: creds.password && Uint8Array.from(creds.password), keyfile: creds.keyfile && Uint8Array.from(creds.keyfile) };
    theirKey = Vault.deriveKeyFor(bytes, copy, { allowSlowKdf: opts.allowSlowKdf, background: true }).finally(() => wipeCredentials(copy));
    theirKey.catch(() => undefined); // awaited below: never an unhandled rejection meanwhile
    releaseThread(); // its chains are queued: the thread ends after them
  };
  const releaseThread = Vault.holdKdfThread();
  let s;
  try {
    s = await openSession(opts, {
      keepCredentials: Boolean(o.sameCredentials),
      afterKdf: o.sameCredentials ? afterKdf : undefined,
      stdinCarries: !o.sameCredentials && o.passwordFrom !== false ? `the password of ${otherPath}` : undefined,
    });
  } finally {
    releaseThread();
  }
  try {
    let theirs: Vault;
    if (o.sameCredentials && (sameKdf || theirKey)) {
      const key = sameKdf ? s.vault.derivedKey() : await theirKey!;
      try {
        theirs = await Vault.open(bytes, key);
      } finally {
        wipe(key.transformed);
      }
    } else if (o.sameCredentials && s.credentials) {
      theirs = await Vault.open(bytes, s.credentials, { allowSlowKdf: opts.allowSlowKdf });
    } else {
      const creds = await readCredentials(
        { ...opts, keyfile: o.keyfileFrom, password: o.passwordFrom !== false, passwordFile: undefined, passwordFd: undefined },
        { path: otherPath },
        { prompt: `Password for ${otherPath}:` },
      );
      try {
        theirs = await Vault.open(bytes, creds, { allowSlowKdf: opts.allowSlowKdf });
      } finally {
        wipeCredentials(creds);
      }
    }
    const ourId = vaultIdOf(s.vault.db);
    const theirId = vaultIdOf(theirs.db);
    if (ourId && theirId && ourId !== theirId) {
      theirs.close();
      throw new UsageError(`${otherPath} is another vault (id ${theirId}) than ${s.ref.name ?? s.ref.path} (id ${ourId}); copies of two different vaults are never merged`);
    }
    const report = mergeDatabases(s.vault.db, theirs.db);
    theirs.close();
    if (!o.dryRun && report.changes.length) await s.save();
    if (opts.json) return printJson({ ...report, changes: report.changes.map((c) => ({ ...c, uuid: c.uuid && uuidText(c.uuid) })), conflicts: report.conflicts.map((c) => ({ ...c, uuid: uuidText(c.uuid) })), saved: !o.dryRun && report.changes.length > 0 });
    if (!opts.quiet) for (const c of report.changes) out(`${c.kind}: ${c.path || '(database)'}${c.detail ? ` — ${c.detail}` : ''}`);
    if (report.conflicts.length) warn(`${report.conflicts.length} concurrent edit(s): the later version is current, the other is in history (tag ${'stickvault-conflict'})`);
    info(opts, report.changes.length ? (o.dryRun ? 'dry run: nothing saved' : `merged ${otherPath} into ${s.ref.path}`) : 'databases are already in sync');
  } finally {
    s.close();
  }
}
