/**
 * Every keyfile form KeePassXC accepts opens the database keepassxc-cli made
 * with it, from the stv command line; another keyfile or password is exit 3
 * with "wrong master password or keyfile" (never which one), and a keyfile
 * `stv keyfile new` wrote is one keepassxc-cli accepts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isolatedEnv, keepassxc, stv, tempDir } from '../../helpers/tools.js';

const PW = 'keyfile pw';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-kf-'));
  env = isolatedEnv(dir);
});
afterAll(() => cleanup());

const key = randomBytes(32);
const forms: Record<string, Buffer> = {
  'XML v1.0 (base64)': Buffer.from(`<?xml version="1.0" encoding="utf-8"?>\n<KeyFile><Meta><Version>1.00</Version></Meta><Key><Data>${key.toString('base64')}</Data></Key></KeyFile>\n`),
  'XML v2.0 (hex, hash checked)': Buffer.from(`<?xml version="1.0" encoding="utf-8"?>\n<KeyFile>\n\t<Meta>\n\t\t<Version>2.0</Version>\n\t</Meta>\n\t<Key>\n\t\t<Data Hash="${createHash('sha256').update(key).digest('hex').slice(0, 8).toUpperCase()}">\n\t\t\t${key.toString('hex').toUpperCase().match(/.{8}/g)!.join(' ')}\n\t\t</Data>\n\t</Key>\n</KeyFile>\n`),
  '32-byte binary': randomBytes(32),
  '64 hex characters': Buffer.from(randomBytes(32).toString('hex')),
  'any other file (hashed)': Buffer.from('a photo, a poem, anything: hashed whole with SHA-256\n'),
};

function kxc(args: string[], input: string): void {
  const r = keepassxc(args, input, dir);
  expect(r.status, `keepassxc-cli ${args.join(' ')}: ${r.stderr}`).toBe(0);
}

describe('keyfile forms against keepassxc-cli databases', () => {
  it.each(Object.keys(forms))('%s opens the database keepassxc-cli made with it', (form) => {
    const slug = form.replace(/\W+/g, '-');
    const kf = join(dir, `${slug}.key`);
    const db = join(dir, `${slug}.kdbx`);
    writeFileSync(kf, forms[form]);
    kxc(['db-create', '-q', '-p', '--set-key-file', kf, '-t', '100', db], `${PW}\n${PW}\n`);
    kxc(['add', '-q', '-k', kf, '-u', 'fred', db, 'Entry'], `${PW}\n`);
    const ok = stv(['--no-agent', '--vault', db, '--keyfile', kf, 'show', 'Entry', '-a', 'username'], { env, input: `${PW}\n` });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toBe('fred\n');
  });

  it('another keyfile, the wrong password, or no keyfile: exit 3, never saying which part was wrong', () => {
    const slug = Object.keys(forms)[1].replace(/\W+/g, '-');
    const db = join(dir, `${slug}.kdbx`);
    const other = join(dir, 'other.key');
    writeFileSync(other, randomBytes(32));
    for (const [args, pw] of [[['--keyfile', other], PW], [['--keyfile', join(dir, `${slug}.key`)], 'not the password'], [[], PW]] as const) {
      const bad = stv(['--no-agent', '--vault', db, ...args, 'ls'], { env, input: `${pw}\n` });
      expect(bad.status).toBe(3);
      expect(bad.stderr).toBe('stv: wrong master password or keyfile\n');
    }
  });

  it("'stv keyfile new' writes a 0600 keyfile that keepassxc-cli creates and opens a database with", () => {
    const kf = join(dir, 'new.keyx');
    const r = stv(['keyfile', 'new', kf], { env, input: '' });
    expect(r.status, r.stderr).toBe(0);
    expect(statSync(kf).mode & 0o777).toBe(0o600);
    const db = join(dir, 'new.kdbx');
    kxc(['db-create', '-q', '-p', '--set-key-file', kf, '-t', '100', db], `${PW}\n${PW}\n`);
    kxc(['add', '-q', '-k', kf, db, 'FromKxc'], `${PW}\n`);
    const ls = stv(['--no-agent', '--vault', db, '--keyfile', kf, 'ls'], { env, input: `${PW}\n` });
    expect(ls.status, ls.stderr).toBe(0);
    expect(ls.stdout).toContain('FromKxc');
  });
});
