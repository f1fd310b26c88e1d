/**
 * import / export / merge through the CLI, with files made by the real
 * keepassxc-cli, plus Bitwarden and browser CSV layouts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stv, tempDir, isolatedEnv, keepassxc } from '../helpers/tools.js';
import { Vault } from '../../src/vault/index.js';
import { ensureVaultId } from '../../src/sync/index.js';

const PW = 'transfer pw';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
let vault: string;
const ok = (args: string[], input = `${PW}\n`) => {
  const r = stv(['--no-agent', '--vault', vault, ...args], { env, input });
  expect(r.status, `stv ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r;
};
const kxc = (args: string[], input: string) => {
  const r = keepassxc(args, input, dir);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
};

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-transfer-'));
  env = isolatedEnv(dir);
  vault = join(dir, 'v.kdbx');
  ok(['init', '--allow-weak', '--kdf-iterations', '1', '--kdf-memory', '8']);
  kxc(['db-create', '-q', '-p', 'src.kdbx'], 'k\nk\n');
  kxc(['mkdir', '-q', 'src.kdbx', 'Mail'], 'k\n');
  kxc(['add', '-q', '-u', 'bob', '--url', 'https://mail.example', '-p', 'src.kdbx', 'Mail/Webmail'], 'k\nweb-pw, with "quotes"\n');
  writeFileSync(join(dir, 'src.xml'), kxc(['export', '-q', '-f', 'xml', 'src.kdbx'], 'k\n'));
  writeFileSync(join(dir, 'src.csv'), kxc(['export', '-q', '-f', 'csv', 'src.kdbx'], 'k\n'));
});
afterAll(() => cleanup?.());

describe('import', () => {
  it('imports keepassxc-cli XML and CSV exports with every field', () => {
    ok(['import', join(dir, 'src.xml')]);
    ok(['import', join(dir, 'src.csv'), '--group', 'FromCsv']);
    for (const path of ['Imported/src/Mail/Webmail', 'FromCsv/Mail/Webmail']) {
      const e = JSON.parse(ok(['--json', 'show', '-s', path]).stdout);
      expect([e.username, e.password, e.url]).toEqual(['bob', 'web-pw, with "quotes"', 'https://mail.example']);
    }
  });

  it('imports Bitwarden JSON and Chrome/Firefox CSV layouts', () => {
    writeFileSync(join(dir, 'bw.json'), JSON.stringify({ encrypted: false, folders: [{ id: 'f1', name: 'Work' }], items: [{ type: 1, name: 'Jira', folderId: 'f1', notes: 'n', login: { username: 'amy', password: 'bw-pw', totp: 'JBSWY3DPEHPK3PXP', uris: [{ uri: 'https://jira.example' }] }, fields: [{ name: 'PIN', value: '42', type: 1 }] }] }));
    writeFileSync(join(dir, 'chrome.csv'), 'name,url,username,password,note\nShop,https://shop.example/login,carl,"c,pw",hello\n');
    writeFileSync(join(dir, 'firefox.csv'), '"url","username","password","httpRealm","formActionOrigin","guid","timeCreated","timeLastUsed","timePasswordChanged"\n"https://ff.example","dan","ff-pw",,"https://ff.example","{x}","1700000000000","1700000000000","1700000000000"\n');
    ok(['import', join(dir, 'bw.json')]);
    ok(['import', join(dir, 'chrome.csv')]);
    ok(['import', join(dir, 'firefox.csv')]);
    const jira = JSON.parse(ok(['--json', 'show', '-s', 'Imported/bw/Work/Jira']).stdout);
    expect(jira.password).toBe('bw-pw');
    expect(jira.fields.PIN).toBe('42');
    expect(jira.protectedFields).toEqual(expect.arrayContaining(['PIN', 'otp']));
    expect(ok(['show', 'Imported/chrome/Shop', '-a', 'password']).stdout).toBe('c,pw\n');
    expect(ok(['show', 'Imported/firefox/ff.example', '-a', 'username']).stdout).toBe('dan\n');
    expect(/^\d{6}$/.test(ok(['totp', 'Jira']).stdout.trim())).toBe(true);
  });

  it('refuses an unknown CSV layout with the accepted headers, exit 2', () => {
    writeFileSync(join(dir, 'odd.csv'), 'a,b\n1,2\n');
    const r = stv(['--no-agent', '--vault', vault, 'import', join(dir, 'odd.csv')], { env, input: `${PW}\n` });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown CSV layout.*KeePassXC/);
  });
});

describe('export', () => {
  it('needs an explicit --format, then writes XML keepassxc-cli can import, CSV and JSON', () => {
    const r = stv(['--no-agent', '--vault', vault, 'export'], { env, input: `${PW}\n` });
    expect(r.status).toBe(2);
    const xml = ok(['export', '--format', 'xml']).stdout;
    writeFileSync(join(dir, 'out.xml'), xml);
    kxc(['import', '-q', '-p', 'out.xml', 'back.kdbx'], 'b\nb\n');
    expect(kxc(['show', '-q', '-s', 'back.kdbx', 'Imported/src/Mail/Webmail'], 'b\n')).toContain('Password: web-pw, with "quotes"');
    expect(ok(['export', '--format', 'csv']).stdout).toContain('"web-pw, with ""quotes"""');
    const json = JSON.parse(ok(['export', '--format', 'json']).stdout);
    expect(json.some((e: { password: string }) => e.password === 'bw-pw')).toBe(true);
  });
});

describe('merge', () => {
  it('merges another copy (-s) without losing the entries of either side', () => {
    const copy = join(dir, 'copy.kdbx');
    writeFileSync(copy, readFileSync(vault));
    stv(['--no-agent', '--vault', copy, 'add', 'OnlyInCopy'], { env, input: `${PW}\n` });
    ok(['add', 'OnlyHere']);
    const m = ok(['merge', '-s', copy]);
    expect(m.stdout).toContain('added: OnlyInCopy');
    const list = ok(['ls']).stdout;
    expect(list).toContain('OnlyInCopy');
    expect(list).toContain('OnlyHere');
  });

  it('refuses (exit 2) a copy of another vault, and changes neither file', async () => {
    const mine = join(dir, 'mine.kdbx');
    const other = join(dir, 'other.kdbx');
    for (const f of [mine, other]) {
      const r = stv(['--no-agent', '--vault', f, 'init', '--allow-weak', '--kdf-iterations', '1', '--kdf-memory', '8'], { env, input: `${PW}\n${PW}\n` });
      expect(r.status, r.stderr).toBe(0);
      // Each gets its own vault id, as the first sync gives it.
      const v = await Vault.open(readFileSync(f), { password: new TextEncoder().encode(PW) });
      ensureVaultId(v.db);
      writeFileSync(f, v.toBytes());
      v.close();
    }
    stv(['--no-agent', '--vault', other, 'add', 'OnlyInOther'], { env, input: `${PW}\n` });
    const [mineBefore, otherBefore] = [readFileSync(mine), readFileSync(other)];
    const r = stv(['--no-agent', '--vault', mine, 'merge', '-s', other], { env, input: `${PW}\n` });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^stv: \S*other\.kdbx is another vault \(id [0-9a-f-]+\) than \S*mine\.kdbx \(id [0-9a-f-]+\); copies of two different vaults are never merged\n$/);
    expect(readFileSync(mine).equals(mineBefore)).toBe(true);
    expect(readFileSync(other).equals(otherBefore)).toBe(true);
  });

  it('merges (-s) a keepassxc-cli file with its own KDF salt, whose key is derived while ours is parsed', () => {
    const theirs = join(dir, 'kxc-merge.kdbx');
    expect(keepassxc(['db-create', '-q', '-p', theirs], `${PW}\n${PW}\n`).status).toBe(0);
    expect(keepassxc(['add', '-q', '-u', 'k', theirs, 'FromKxc'], `${PW}\n`).status).toBe(0);
    const m = ok(['merge', '-s', theirs]);
    expect(m.stdout).toContain('added: FromKxc');
    expect(ok(['ls']).stdout).toContain('FromKxc');
  });
});
