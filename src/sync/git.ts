/**
 * A vault kept in git: a merge driver that does git's three-way merge of a
 * .kdbx with the vault's own merge (gitattributes(5) "Defining a custom
 * merge driver": `driver = stv merge-driver %O %A %B %P`, the result written
 * to %A, exit 0 when clean and non-zero when the merge needs a look), and a
 * diff textconv that lists entries, field names and keyed hashes of their
 * values, so `git diff` shows what changed and never a secret.
 */
import { execFileSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StvError, UsageError } from '../errors/index.js';
import { ProtectedValue } from '../secret/index.js';
import { Vault, mergeCopies, sameDigest, sha256Hex, type Change, type FieldConflict } from '../vault/index.js';
import { vaultIdOf, VAULT_ID_KEY } from './vault-id.js';

export interface ThreeWayInput {
  /** The common ancestor (%O): empty when the two sides share none. */
  base: Uint8Array;
  ours: Uint8Array;
  theirs: Uint8Array;
  open(bytes: Uint8Array, which: 'base' | 'ours' | 'theirs'): Promise<Vault>;
}

export interface ThreeWayResult {
  bytes: Uint8Array;
  changes: Change[];
  conflicts: FieldConflict[];
  /** The notes worth printing (a base that could not be opened). */
  notes: string[];
}

/** Merges theirs into ours against base; the result has ours's settings and key. */
export async function mergeThreeWay(i: ThreeWayInput): Promise<ThreeWayResult> {
  if (sameDigest(sha256Hex(i.ours), sha256Hex(i.theirs))) return { bytes: i.ours, changes: [], conflicts: [], notes: [] };
  const vaults: Vault[] = [];
  const notes: string[] = [];
  try {
    const ours = await i.open(i.ours, 'ours');
    vaults.push(ours);
    const theirs = await i.open(i.theirs, 'theirs');
    vaults.push(theirs);
    const [a, b] = [vaultIdOf(ours.db), vaultIdOf(theirs.db)];
    if ((a && b && a !== b) || (!(a && b) && ours.db.root.uuid !== theirs.db.root.uuid)) {
      throw new StvError(`the two sides are different vaults (${a ?? ours.db.root.uuid} and ${b ?? theirs.db.root.uuid}); not merged`);
    }
    let base: Vault | undefined;
    if (i.base.length) {
      try {
        base = await i.open(i.base, 'base');
        vaults.push(base);
      } catch (e) {
        if (!(e instanceof StvError)) throw e;
        notes.push(`the common ancestor could not be opened (${e.message}); merged without it`);
      }
    }
    const result = mergeCopies([
      { db: ours.db, base: base?.db, label: 'ours' },
      { db: theirs.db, base: base?.db, label: 'theirs' },
    ]);
    if (!vaultIdOf(result.db) && (a ?? b)) result.db.setCustomData(VAULT_ID_KEY, (a ?? b)!);
    if (!result.differs[0]) return { bytes: i.ours, changes: result.changes, conflicts: result.conflicts, notes };
    if (!result.differs[1] && (theirs.readVersion?.major ?? 4) >= (ours.readVersion?.major ?? 4)) return { bytes: i.theirs, changes: result.changes, conflicts: result.conflicts, notes };
    ours.db = result.db;
    if ((theirs.readVersion?.major ?? 4) >= 4) ours.upgrade();
    const bytes = ours.toBytes();
    {
      using key = ours.derivedKey();
      Vault.verify(bytes, key);
    }
    return { bytes, changes: result.changes, conflicts: result.conflicts, notes };
  } finally {
    for (const v of vaults) v.close();
  }
}

/**
 * One line per entry (its path and UUID) and per field (name and a keyed
 * hash of its value), sorted. The hash key comes from inside the encrypted
 * vault (its id and root group UUID): stable across saves and re-keying, so
 * a diff shows exactly the fields that changed, and without the vault a
 * hash cannot be checked against a guessed password.
 */
export function diffText(vault: Vault): string {
  const db = vault.db;
  const hmacKey = createHash('sha256').update(`stickvault diff\0${vaultIdOf(db) ?? ''}\0${db.root.uuid}`).digest();
  const tag = (value: string | ProtectedValue) => {
    const h = createHmac('sha256', hmacKey);
    if (value instanceof ProtectedValue) {
      const bytes = value.getBytes();
      h.update(bytes);
      bytes.fill(0);
    } else h.update(value, 'utf8');
    return h.digest('hex').slice(0, 12);
  };
  const lines: string[] = [`# ${oneLine(db.meta.databaseName)} (vault ${vaultIdOf(db) ?? 'without id'}): entries, field names and keyed hashes of their values; no secret`];
  const entries = [...db.entries()].sort((x, y) => (x.path() < y.path() ? -1 : x.path() > y.path() ? 1 : x.uuid < y.uuid ? -1 : 1));
  for (const e of entries) {
    lines.push(`${oneLine(e.path())}  [${e.uuid}]${db.isInRecycleBin(e) ? '  (in the recycle bin)' : ''}`);
    lines.push(`    modified ${e.times.lastModification.toISOString()}, ${e.history.length} older version(s)`);
    for (const [name, value] of [...e.fields].sort(([x], [y]) => (x < y ? -1 : 1))) {
      if (name === 'Title') continue;
      const empty = value instanceof ProtectedValue ? value.byteLength === 0 : value === '';
      lines.push(`    ${oneLine(name)}: ${empty ? '(empty)' : `#${tag(value)}`}`);
    }
    for (const name of [...e.attachments.keys()].sort()) lines.push(`    attachment ${oneLine(name)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A name from vault content on one line, control characters shown escaped (it goes to a terminal through git). */
const oneLine = (s: string) => s.replace(/[\p{Cc}\u2028\u2029]/gu, (c) => `\\x${c.codePointAt(0)!.toString(16).padStart(2, '0')}`);

export interface GitSetupReport {
  repo: string;
  attributesAdded: string[];
  configured: Record<string, string>;
}

/**
 * Registers the merge driver and the diff textconv in the repository at
 * `cwd` (its .git/config: a driver is never taken from the repository's
 * own files, which anyone who can push could change) and marks *.kdbx in
 * .gitattributes.
 */
export function setupGit(cwd: string, command: string): GitSetupReport {
  let top: string;
  try {
    top = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError('git is not installed');
    throw new UsageError(`${cwd} is not inside a git repository; run 'git init' first`);
  }
  const configured: Record<string, string> = {
    'merge.kdbx.name': 'stickvault: merge KDBX vaults entry by entry',
    'merge.kdbx.driver': `${command} merge-driver %O %A %B %P`,
    'diff.kdbx.textconv': `${command} git diff-text`,
    'diff.kdbx.binary': 'true',
  };
  for (const [k, v] of Object.entries(configured)) execFileSync('git', ['config', '--local', k, v], { cwd: top, stdio: 'ignore' });
  const attributes = join(top, '.gitattributes');
  let text = '';
  try {
    text = readFileSync(attributes, 'utf8');
  } catch {
    // none yet
  }
  const wanted = ['*.kdbx merge=kdbx diff=kdbx'];
  const missing = wanted.filter((line) => !text.split('\n').some((l) => l.trim() === line));
  if (missing.length) appendFileSync(attributes, `${text && !text.endsWith('\n') ? '\n' : ''}${missing.join('\n')}\n`);
  return { repo: top, attributesAdded: missing, configured };
}

/** The git repository a vault file lies in, and whether it merges *.kdbx with stv; undefined outside one (or without git). */
export function gitRepoOf(file: string): { repo: string; mergeDriver: boolean } | undefined {
  const run = (args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: dirname(file), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim();
    } catch {
      return undefined;
    }
  };
  const repo = run(['rev-parse', '--show-toplevel']);
  if (!repo) return undefined;
  return { repo, mergeDriver: /merge-driver/.test(run(['config', '--get', 'merge.kdbx.driver']) ?? '') };
}
