/**
 * Every KeePass file a user has opens and stays what it was: Twofish KDBX
 * 4 (pykeepass's public files) and 3.1/4 written by stv, read by
 * keepassxc-cli and pykeepass; a KDBX 3.1 file stays 3.1 when stv edits it
 * (and keepassxc-cli, judging the content by its own rules, keeps it 3.1
 * too); `stv upgrade` converts it; doctor recommends that.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stv, tempDir, isolatedEnv, keepassxc, pykeepass, ROOT } from '../helpers/tools.js';

const PUB = join(ROOT, 'test', 'fixtures', 'public');
const PW = 'format pw';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
const run = (vault: string, args: string[], input = `${PW}\n`, extra: string[] = []) => stv(['--no-agent', '--vault', vault, ...extra, ...args], { env, input });
const ok = (vault: string, args: string[], input = `${PW}\n`, extra: string[] = []) => {
  const r = run(vault, args, input, extra);
  expect(r.status, `stv ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r;
};
const kxc = (args: string[], input: string) => {
  const r = keepassxc(args, input, dir);
  expect(r.status, `keepassxc-cli ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
};
/** Major.minor and cipher straight from the file's header. */
function header(path: string): { version: string; cipher: string } {
  const b = readFileSync(path);
  const version = `${b.readUInt16LE(10)}.${b.readUInt16LE(8)}`;
  const ids: Record<string, string> = { '31c1f2e6bf714350be5805216afc5aff': 'aes', ad68f29f576f4bb9a36ad47af965346c: 'twofish', d6038a2b8b6f4cb5a524339a31dbb59a: 'chacha20' };
  const is4 = b.readUInt16LE(10) >= 4;
  for (let at = 12; ;) {
    const id = b[at];
    const len = is4 ? b.readUInt32LE(at + 1) : b.readUInt16LE(at + 1);
    const value = b.subarray(at + (is4 ? 5 : 3), at + (is4 ? 5 : 3) + len);
    if (id === 2) return { version, cipher: ids[value.toString('hex')] ?? value.toString('hex') };
    if (id === 0) throw new Error('no cipher field');
    at += (is4 ? 5 : 3) + len;
  }
}
const PK_OPEN = `
import sys
from pykeepass import PyKeePass
kp = PyKeePass(sys.argv[1], password=sys.argv[2] or None, keyfile=sys.argv[3] or None)
print(kp.version, sorted(e.title or '' for e in kp.entries))
`;

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-files-format-'));
  env = isolatedEnv(dir);
});
afterAll(() => cleanup?.());

describe('Twofish', () => {
  it("opens pykeepass's public Twofish KDBX 4 files (gzip and uncompressed), saves them as Twofish, and keepassxc-cli and pykeepass open the result", () => {
    for (const [name, key] of [['test4_twofish.kdbx', true], ['test4_twofish_uncompressed.kdbx', false]] as const) {
      const path = join(dir, name);
      copyFileSync(join(PUB, 'pykeepass', name), path);
      const kf = key ? ['--keyfile', join(PUB, 'pykeepass', 'test4.key')] : [];
      const before = ok(path, ['ls', '-R', '-f'], 'password\n', kf).stdout;
      expect(before.trim().length).toBeGreaterThan(0);
      ok(path, ['add', 'Written by stv', '-u', 'tf'], 'password\n', kf);
      expect(header(path)).toEqual({ version: '4.0', cipher: 'twofish' });
      const k = key ? ['-k', join(PUB, 'pykeepass', 'test4.key')] : [];
      expect(kxc(['show', '-q', '-a', 'UserName', ...k, path, 'Written by stv'], 'password\n').trim()).toBe('tf');
      const p = pykeepass(PK_OPEN, [path, 'password', key ? join(PUB, 'pykeepass', 'test4.key') : '']);
      expect(p.status, p.stderr).toBe(0);
      expect(p.stdout).toContain("'Written by stv'");
    }
  });

  it('init --cipher twofish makes a KDBX 4 Twofish file that keepassxc-cli opens; info names the cipher', () => {
    const path = join(dir, 'new-tf.kdbx');
    ok(path, ['init', '--allow-weak', '--cipher', 'twofish', '--kdf-iterations', '2', '--kdf-memory', '8'], `${PW}\n`);
    ok(path, ['--password-fd', '0', 'add', 'Alpha', '-u', 'a', '-p'], `${PW}\nalpha-secret\n`);
    expect(header(path)).toEqual({ version: '4.0', cipher: 'twofish' });
    expect(ok(path, ['info']).stdout).toMatch(/Cipher:\s+Twofish-CBC/);
    expect(kxc(['show', '-q', '-s', '-a', 'Password', path, 'Alpha'], `${PW}\n`).trim()).toBe('alpha-secret');
  });
});

describe('a KDBX 3.1 file keeps its format', () => {
  let path: string;
  beforeAll(() => {
    path = join(dir, 'kxc31.kdbx');
    kxc(['db-create', '-q', '-p', path], `${PW}\n${PW}\n`);
    kxc(['add', '-q', '-u', 'kx', '-p', path, 'FromKxc'], `${PW}\nkx-pw\n`);
    expect(header(path).version).toBe('3.1');
  });

  it('stays 3.1 through stv add, rm (to the recycle bin), an attachment and custom fields; keepassxc-cli and pykeepass read every value', () => {
    writeFileSync(join(dir, 'blob.bin'), Buffer.from([0, 1, 2, 255, 254, 10, 13]));
    ok(path, ['--password-fd', '0', 'add', 'Mail', '-u', 'fred', '-p', '--field', 'Customer=42', '--protected-field', 'PIN'], `${PW}\nmail-pw\n1234\n`);
    ok(path, ['attachment', 'add', 'Mail', join(dir, 'blob.bin')]);
    ok(path, ['add', 'Doomed']);
    const r = ok(path, ['rm', 'Doomed']);
    expect(r.stderr).not.toMatch(/KDBX 4/);
    expect(header(path)).toEqual({ version: '3.1', cipher: 'aes' });
    expect(kxc(['show', '-q', '-s', '-a', 'PIN', path, 'Mail'], `${PW}\n`).trim()).toBe('1234');
    expect(kxc(['show', '-q', '-a', 'Customer', path, 'Mail'], `${PW}\n`).trim()).toBe('42');
    kxc(['attachment-export', '-q', path, 'Mail', 'blob.bin', join(dir, 'blob.out')], `${PW}\n`);
    expect(readFileSync(join(dir, 'blob.out')).equals(readFileSync(join(dir, 'blob.bin')))).toBe(true);
    // keepassxc-cli edits it and, judging the content by its own rules, keeps 3.1 as well.
    kxc(['edit', '-q', '-u', 'kx2', path, 'FromKxc'], `${PW}\n`);
    expect(header(path).version).toBe('3.1');
    const p = pykeepass(`${PK_OPEN}
e = kp.find_entries(title='Mail', first=True)
print(e.password, e.get_custom_property('PIN'), kp.binaries[0].hex())`, [path, PW, '']);
    expect(p.status, p.stderr).toBe(0);
    expect(p.stdout).toContain('(3, 1)');
    expect(p.stdout).toContain('mail-pw 1234 000102fffe0a0d');
    expect(ok(path, ['--json', 'show', '-s', 'FromKxc']).stdout).toContain('"username": "kx2"');
  });

  it('passwd --cipher twofish re-encrypts it as a Twofish KDBX 3.1 file without asking for a new password; both programs open it', () => {
    const r = ok(path, ['passwd', '--cipher', 'twofish']);
    expect(r.stderr).toMatch(/re-encrypted .* with Twofish \(was AES-256\)/);
    expect(header(path)).toEqual({ version: '3.1', cipher: 'twofish' });
    expect(kxc(['show', '-q', '-s', '-a', 'Password', path, 'Mail'], `${PW}\n`).trim()).toBe('mail-pw');
    const p = pykeepass(PK_OPEN, [path, PW, '']);
    expect(p.status, p.stderr).toBe(0);
    expect(p.stdout).toMatch(/^\(3, 1\) .*'Mail'/);
    // keepassxc-cli saves it in turn (a Twofish KDBX 3.1 file written by KeePassXC), and stv reads that.
    kxc(['add', '-q', '-u', 'k', path, 'ByKxc'], `${PW}\n`);
    expect(header(path)).toEqual({ version: '3.1', cipher: 'twofish' });
    expect(ok(path, ['--json', 'show', 'ByKxc']).stdout).toContain('"username": "k"');
  });

  it('doctor recommends the upgrade; stv upgrade says what changes and who can no longer open it, and writes KDBX 4', () => {
    const cfg = join(dir, 'config', 'stickvault');
    const d = stv(['--no-agent', '--vault', path, 'doctor'], { env: { ...env, STICKVAULT_VAULT: path } });
    expect(d.stdout).toMatch(/FAIL vault default format: KDBX 3\.1: no MAC[^\n]*\n\s+fix: stv --vault \S+ upgrade/);
    void cfg;
    const u = ok(path, ['upgrade']);
    expect(u.stderr).toMatch(/upgraded .* from KDBX 3\.1 to KDBX 4\.0: the header and every block now carry an HMAC.*will no longer open it/);
    expect(header(path)).toEqual({ version: '4.0', cipher: 'twofish' });
    expect(kxc(['show', '-q', '-s', '-a', 'Password', path, 'Mail'], `${PW}\n`).trim()).toBe('mail-pw');
    expect(ok(path, ['upgrade']).stderr).toMatch(/already is KDBX 4\.0/);
  });

  it('a 3.1 file whose content needs KDBX 4 (Argon2) is saved as 4 and the save says why and what it costs', () => {
    const p2 = join(dir, 'kxc31b.kdbx');
    kxc(['db-create', '-q', '-p', p2], `${PW}\n${PW}\n`);
    const r = ok(p2, ['--password-fd', '0', 'passwd', '--allow-weak', '--kdf', 'argon2id', '--kdf-iterations', '2', '--kdf-memory', '8'], `${PW}\n${PW}\n`);
    expect(r.stderr).toMatch(/saving .* as KDBX 4 \(it was KDBX 3\.1; its key derivation is Argon2id\): apps that read only KDBX 3\.1/);
    expect(header(p2).version).toBe('4.0');
  });
});
