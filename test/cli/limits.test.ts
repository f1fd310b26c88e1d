/**
 * Reads that could hang or never end, and limits that must hold both ways
 * (issue 18, holes 5, 8, 9), through the real CLI:
 * - a keyfile, vault or --password-file that is /dev/zero, /dev/urandom or a
 *   FIFO is refused at once with one line (exit 2 for a flag's file, 6 for a
 *   vault), instead of growing memory without end or hanging;
 * - a save the reader would refuse (groups 520 deep) fails before anything is
 *   written, with the reader's words; a file any writer can produce with a
 *   large compressible payload (an 80 MB note) is saved and read back, and
 *   keepassxc-cli reads it too;
 * - `stv info` and `stv doctor` say whether a KDBX 3.1 file has an integrity check
 *   (3.1 files from test/fixtures/hostile/make.mjs, read by keepassxc-cli too).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isolatedEnv, keepassxc, ROOT, stv, tempDir } from '../helpers/tools.js';

const PW = 'limits-master-Gg7!';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
let vault: string;

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-limits-'));
  env = isolatedEnv(dir);
  vault = join(dir, 'v.kdbx');
  const init = stv(['--no-agent', '--vault', vault, 'init', '--kdf', 'argon2id', '--kdf-memory', '8', '--kdf-iterations', '2'], { env, input: `${PW}\n${PW}\n` });
  expect(init.status, init.stderr).toBe(0);
});
afterAll(() => cleanup());

const oneLine = (stderr: string) => expect(stderr.trim().split('\n'), stderr).toHaveLength(1);

describe('special files where a regular file is expected', () => {
  const fifo = () => {
    const p = join(dir, `fifo-${Math.random().toString(36).slice(2)}`);
    expect(spawnSync('mkfifo', [p]).status).toBe(0);
    return p;
  };

  it.each([['/dev/zero'], ['/dev/urandom'], ['FIFO']])('a --password-file that is %s: exit 2 at once', (which) => {
    const path = which === 'FIFO' ? fifo() : which;
    const r = stv(['--no-agent', '--vault', vault, '--password-file', path, 'ls'], { env, timeout: 20_000 });
    expect(r.status, r.stderr).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr.trim()).toMatch(/^stv: password file \S+ is not a regular file \((a device|a FIFO)\); refusing to read it$/);
  });

  it.each([['/dev/zero'], ['/dev/urandom'], ['FIFO']])('a --keyfile that is %s: exit 2 at once', (which) => {
    const path = which === 'FIFO' ? fifo() : which;
    const r = stv(['--no-agent', '--vault', vault, '--keyfile', path, 'ls'], { env, input: `${PW}\n`, timeout: 20_000 });
    expect(r.status, r.stderr).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/^stv: cannot read keyfile \S+: not a regular file \((a device|a FIFO)\); refusing to read it$/m);
  });

  it.each([['/dev/zero'], ['/dev/urandom'], ['FIFO']])('a vault that is %s: exit 6 at once', (which) => {
    const path = which === 'FIFO' ? fifo() : which;
    const r = stv(['--no-agent', '--vault', path, 'ls'], { env, input: `${PW}\n`, timeout: 20_000 });
    expect(r.status, r.stderr).toBe(6);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/^stv: vault \S+ is not a regular file/);
  });
});

describe('symmetric limits', () => {
  it('a group 520 levels deep is refused before anything is written, in the words the reader uses', () => {
    const before = readFileSync(vault);
    const deep = Array.from({ length: 520 }, (_v, i) => `g${i}`).join('/');
    const r = stv(['--no-agent', '--vault', vault, 'mkdir', deep], { env, input: `${PW}\n` });
    expect(r.status, r.stderr).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr.trim()).toMatch(/^stv: cannot save: XML nesting deeper than 512 levels .*nothing was written$/);
    expect(readFileSync(vault).equals(before)).toBe(true);
    const ls = stv(['--no-agent', '--vault', vault, 'ls'], { env, input: `${PW}\n` });
    expect(ls.status, ls.stderr).toBe(0);
  });

  it('an 80 MB compressible note is saved, read back by stv and by keepassxc-cli', () => {
    const big = join(dir, 'big.kdbx');
    expect(stv(['--no-agent', '--vault', big, 'init', '--kdf', 'argon2id', '--kdf-memory', '8', '--kdf-iterations', '2'], { env, input: `${PW}\n${PW}\n` }).status).toBe(0);
    const note = 'a'.repeat(80 * 1000 * 1000);
    // The note goes through an import file: argv cannot carry 80 MB.
    const csv = join(dir, 'big.csv');
    writeFileSync(csv, `"Group","Title","Username","Password","URL","Notes"\n"Root","Big","","","","${note}"\n`);
    const imp = stv(['--no-agent', '--vault', big, 'import', csv], { env, input: `${PW}\n` });
    expect(imp.status, imp.stderr).toBe(0);
    expect(statSync(big).size).toBeLessThan(1024 * 1024); // ~1000:1, over the old 100× cap
    const show = stv(['--no-agent', '--vault', big, 'show', '-a', 'notes', 'Big'], { env, input: `${PW}\n` });
    expect(show.status, show.stderr).toBe(0);
    expect(show.stdout.length).toBe(note.length + 1);
    const kx = keepassxc(['show', '-q', '-a', 'Title', big, 'Big'], `${PW}\n`);
    expect(kx.status, kx.stderr).toBe(0);
    expect(kx.stdout.trim()).toBe('Big');
  });
});

describe('KDBX 3.1 integrity', () => {
  const fixture = (f: string) => join(ROOT, 'test', 'fixtures', 'hostile', f);
  it('info and doctor say whether a 3.1 file has Meta/HeaderHash, the only check of its header', () => {
    const withHash = fixture('kdbx31-header-hash.kdbx');
    const noHash = fixture('kdbx31-no-header-hash.kdbx');
    const pwFile = join(dir, 'pw.txt');
    writeFileSync(pwFile, 'hostile pw\n', { mode: 0o600 });
    // Both open, in stv and keepassxc-cli: the difference is only what would notice a change to the header.
    for (const f of [withHash, noHash]) expect(keepassxc(['ls', '-q', f], 'hostile pw\n').stdout.trim()).toBe('harmless');
    const info = (path: string) => JSON.parse(stv(['--no-agent', '--json', '--vault', path, '--password-file', pwFile, 'info'], { env }).stdout) as { format: string; integrity: string };
    expect(info(withHash)).toMatchObject({ format: 'KDBX 3.1', integrity: 'header-hash' });
    expect(info(noHash)).toMatchObject({ format: 'KDBX 3.1', integrity: 'none' });
    writeFileSync(join(dir, 'pw-own.txt'), `${PW}\n`, { mode: 0o600 });
    expect(JSON.parse(stv(['--no-agent', '--json', '--vault', vault, '--password-file', join(dir, 'pw-own.txt'), 'info'], { env }).stdout).integrity).toBe('hmac');
    const text = stv(['--no-agent', '--vault', noHash, '--password-file', pwFile, 'info'], { env });
    expect(text.stdout).toMatch(/^Integrity: {3}none: a KDBX 3\.1 file without Meta\/HeaderHash/m);
    // Without a key at hand it says what it cannot know.
    const locked = stv(['--no-agent', '--vault', noHash, 'info'], { env, input: '' });
    expect(locked.stdout).toMatch(/^Integrity: {3}KDBX 3\.1: protected only if Meta\/HeaderHash is present/m);
    const cfgDir = join(dir, 'cfg', 'stickvault');
    mkdirSync(cfgDir, { recursive: true });
    writeFileSync(join(cfgDir, 'config.json'), JSON.stringify({ vaults: { old: { path: noHash } } }));
    const doc = stv(['--json', '--password-file', pwFile, 'doctor'], { env: { ...env, XDG_CONFIG_HOME: join(dir, 'cfg') } });
    const integrity = (JSON.parse(doc.stdout) as { check: string; ok: boolean; detail: string }[]).find((c) => c.check === 'vault old integrity');
    expect(integrity, doc.stdout).toMatchObject({ ok: false, detail: expect.stringMatching(/^none: a KDBX 3\.1 file without Meta\/HeaderHash/) });
  });
});
