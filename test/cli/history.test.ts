/**
 * Merging, seeing and settling conflicts through the CLI (issue 17 cases 3
 * and 9): `stv merge` saves whenever its result differs from the file in any
 * way and writes nothing when it does not; `history`, `show --version`,
 * `restore`, `conflicts` and `resolve` show and settle what a merge kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { Vault, sha256Hex, type Database } from '../../src/vault/index.js';
import { writeConflict } from '../../src/vault/merge/records.js';
import { isolatedEnv, keepassxc, stv, tempDir } from '../helpers/tools.js';

const PW = 'history pw Rb4#vt Qe8';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
let vault: string;
// The master password is always stdin's first line here (--password-fd 0), whatever else stdin carries.
const run = (args: string[], input = `${PW}\n`, path = vault) => stv(['--no-agent', '--vault', path, '--password-fd', '0', ...args], { env, input });
const ok = (args: string[], input?: string, path?: string) => {
  const r = run(args, input, path);
  expect(r.status, `stv ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r;
};
const state = (path: string) => ({ sha: sha256Hex(readFileSync(path)), mtime: statSync(path).mtimeMs });

/** Change a copy of the vault with the library, as another program or an older merge would have left it. */
async function alter(path: string, change: (db: Database) => void): Promise<void> {
  const v = await Vault.open(readFileSync(path), { password: Buffer.from(PW) });
  change(v.db);
  writeFileSync(path, v.toBytes());
  v.close();
}

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-history-'));
  env = isolatedEnv(dir);
  vault = join(dir, 'v.kdbx');
  ok(['init', '--kdf-iterations', '1', '--kdf-memory', '8']);
  ok(['add', 'Bank/Acme', '-u', 'fred', '--url', 'https://acme.example']);
  ok(['add', 'Mail', '-u', 'fred']);
  ok(['edit', 'Mail', '--notes', 'second version']);
});
afterAll(() => cleanup?.());

describe('stv merge (case 3)', () => {
  const cases: { what: string; onMine: boolean; change: (db: Database) => void; kind: string }[] = [
    // The difference is on the side that has more: the history this file lacks, or the other's record.
    { what: 'a history version this file lacks', onMine: true, kind: 'history', change: (db) => void [...db.entries()].find((e) => e.title === 'Mail')!.history.shift() },
    { what: 'the conflict tag and record', onMine: false, kind: 'history', change: (db) => writeConflict([...db.entries()].find((e) => e.title === 'Mail')!, new Map([['s:Notes', new Set(['x'])]])) },
    { what: 'a deletion record', onMine: false, kind: 'deletions', change: (db) => void db.deletedObjects.set('0123456789abcdef0123456789abcdef', new Date(Date.UTC(2025, 0, 1))) },
  ];
  it.each(cases)('saves when the other file differs only by $what, then says "already in sync" and writes nothing', async ({ onMine, change, kind }) => {
    const mine = join(dir, `mine-${Math.random()}.kdbx`);
    const other = join(dir, `other-${Math.random()}.kdbx`);
    copyFileSync(vault, mine);
    copyFileSync(vault, other);
    await alter(onMine ? mine : other, change);
    const before = state(mine);
    const first = ok(['merge', '-s', other], undefined, mine);
    expect(first.stderr).not.toMatch(/already in sync/);
    expect(first.stdout).toMatch(new RegExp(`^${kind}: `, 'm'));
    expect(state(mine).sha).not.toBe(before.sha);
    const saved = state(mine);
    const second = ok(['merge', '-s', other], undefined, mine);
    expect(second.stderr).toMatch(/already in sync/);
    expect(second.stdout).toBe('');
    expect(state(mine)).toEqual(saved);
  });

  it('merging the same file into itself twice writes nothing, and keepassxc-cli reads what a merge wrote', () => {
    const other = join(dir, 'same.kdbx');
    copyFileSync(vault, other);
    const before = state(vault);
    expect(ok(['merge', '-s', other]).stderr).toMatch(/already in sync/);
    expect(state(vault)).toEqual(before);
    const k = keepassxc(['show', '-q', '-a', 'username', vault, 'Bank/Acme'], `${PW}\n`);
    expect(k.stdout.trim()).toBe('fred');
  });
});

describe('seeing and settling conflicts (case 9)', () => {
  let conflicted: string;
  beforeAll(async () => {
    conflicted = join(dir, 'conflicted.kdbx');
    copyFileSync(vault, conflicted);
    const other = join(dir, 'conflicted-other.kdbx');
    copyFileSync(vault, other);
    ok(['edit', 'Acme', '-p'], `${PW}\nmine-secret\n`, conflicted);
    await new Promise((r) => setTimeout(r, 1100)); // the other edit a second later: it wins
    ok(['edit', 'Acme', '-p', '--notes', 'their notes'], `${PW}\ntheir-secret\n`, other);
    const m = ok(['merge', '-s', other], undefined, conflicted);
    expect(m.stdout).toMatch(/^conflict: Bank\/Acme — Password/m);
  });

  it('show marks the entry and says where to look; conflicts names each side without protected values', () => {
    const shown = ok(['show', 'Acme'], undefined, conflicted).stdout;
    expect(shown).toMatch(/^Conflict: Password — .*'stv conflicts'.*'stv resolve Acme'/m);
    const list = ok(['conflicts'], undefined, conflicted);
    expect(list.stdout).toMatch(/^Bank\/Acme\n {2}Password: \(protected\) \(current\)\n {12}\(protected: changed\) \(version \d+, /);
    expect(list.stdout).not.toMatch(/secret/);
    const json = JSON.parse(ok(['--json', 'conflicts'], undefined, conflicted).stdout);
    expect(json).toEqual([expect.objectContaining({ path: 'Bank/Acme', deletedElsewhere: false, fields: [expect.objectContaining({ field: 'Password' })] })]);
    expect(JSON.stringify(json)).not.toMatch(/secret/);
  });

  it('history lists the versions with the fields that differ; show --version N shows one', () => {
    const json = JSON.parse(ok(['--json', 'history', 'Acme'], undefined, conflicted).stdout);
    const side = json.versions.find((v: { conflictSide: boolean }) => v.conflictSide);
    expect(side.differs).toEqual(expect.arrayContaining(['Password', 'Notes']));
    expect(ok(['history', 'Acme'], undefined, conflicted).stdout).toMatch(new RegExp(`^ +${side.n} +\\S+ +differs in .*Password.*\\(the other side of a conflict\\)$`, 'm'));
    expect(ok(['show', 'Acme', '--version', String(side.n), '-a', 'password'], undefined, conflicted).stdout).toBe('mine-secret\n');
    expect(ok(['show', 'Acme', '-a', 'password'], undefined, conflicted).stdout).toBe('their-secret\n');
  });

  it('resolve --keep N makes the other side current and clears the conflict; restore goes back', () => {
    const side = JSON.parse(ok(['--json', 'history', 'Acme'], undefined, conflicted).stdout).versions.find((v: { conflictSide: boolean }) => v.conflictSide);
    ok(['resolve', 'Acme', '--keep', String(side.n)], undefined, conflicted);
    expect(ok(['show', 'Acme', '-a', 'password'], undefined, conflicted).stdout).toBe('mine-secret\n');
    expect(ok(['show', 'Acme'], undefined, conflicted).stdout).not.toMatch(/Conflict|stickvault-conflict/);
    expect(ok(['conflicts'], undefined, conflicted).stderr).toMatch(/no conflicts/);
    ok(['restore', 'Acme', '1'], undefined, conflicted);
    expect(ok(['show', 'Acme', '-a', 'password'], undefined, conflicted).stdout).toBe('their-secret\n');
  });

  it('bad requests are one-line errors with their exit codes', () => {
    const cases: [string[], number, RegExp][] = [
      [['resolve', 'Acme'], 2, /has no conflict to resolve/],
      [['show', 'Acme', '--version', '99'], 4, /version\(s\) in history/],
      [['restore', 'Acme', 'x'], 2, /not a version number/],
      [['restore', 'Acme', '0'], 2, /already current/],
      [['history', 'Nope'], 4, /not found/],
    ];
    for (const [args, code, message] of cases) {
      const r = run(args, undefined, conflicted);
      expect(r.status, args.join(' ')).toBe(code);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
