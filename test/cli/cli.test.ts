/**
 * The stv command as a new user and a script use it: init, add, find, show,
 * edit with history, rm, exit codes, password sources, --json shapes, and
 * agreement with keepassxc-cli on the same vault.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, statSync, writeFileSync, readFileSync, mkdirSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { stv, tempDir, isolatedEnv, keepassxc, STV, type RunResult } from '../helpers/tools.js';

const PW = 'master pässword 1';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
let vault: string;

const run = (args: string[], input = `${PW}\n`): RunResult => stv(['--no-agent', '--vault', vault, ...args], { env, input });
const ok = (args: string[], input?: string) => {
  const r = run(args, input);
  expect(r.status, `stv ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r;
};

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-cli-'));
  env = isolatedEnv(dir);
  vault = join(dir, 'v.kdbx');
  const r = stv(['--no-agent', '--vault', vault, 'init', '--kdf-iterations', '2', '--kdf-memory', '8'], { env, input: `${PW}\n` });
  expect(r.status, r.stderr).toBe(0);
});
afterAll(() => cleanup());

describe('a new user from the README', () => {
  it('creates the vault 0600 in a private directory', () => {
    expect(statSync(vault).mode & 0o777).toBe(0o600);
    const info = JSON.parse(ok(['--json', 'info']).stdout);
    expect(info).toMatchObject({ format: 'KDBX 4.0', cipher: 'aes256', kdf: { type: 'argon2id', memoryMiB: 8, iterations: 2 } });
  });

  it('adds, finds, shows, edits with history, and removes entries', () => {
    ok(['mkdir', 'Shopping']);
    ok(['--password-fd', '0', 'add', 'Shopping/Amazon', '-u', 'fred@example.com', '--url', 'https://www.amazon.co.uk/login', '-p'], `${PW}\nentry-pw-1\n`);
    expect(ok(['find', 'amazon']).stdout.trim()).toBe('Shopping/Amazon');
    const hidden = ok(['show', 'Shopping/Amazon']).stdout;
    expect(hidden).toContain('Password: PROTECTED');
    expect(hidden).not.toContain('entry-pw-1');
    expect(ok(['show', '-s', 'Shopping/Amazon']).stdout).toContain('Password: entry-pw-1');
    expect(ok(['show', 'amazon.co.uk', '-a', 'PASSWORD']).stdout).toBe('entry-pw-1\n');
    expect(ok(['show', 'Amazon', '-a', 'username']).stdout).toBe('fred@example.com\n');
    ok(['--password-fd', '0', 'edit', 'Amazon', '-p'], `${PW}\nentry-pw-2\n`);
    const shown = JSON.parse(ok(['--json', 'show', '-s', 'Amazon']).stdout);
    expect(shown).toMatchObject({ title: 'Amazon', path: 'Shopping/Amazon', username: 'fred@example.com', password: 'entry-pw-2', history: 1 });
    expect(Object.keys(shown).sort()).toEqual(['attachments', 'created', 'expires', 'fields', 'history', 'modified', 'notes', 'password', 'path', 'protectedFields', 'tags', 'title', 'url', 'username', 'uuid']);
    const list = JSON.parse(ok(['--json', 'ls', '-R']).stdout);
    expect(list).toEqual([expect.objectContaining({ path: 'Shopping/Amazon', username: 'fred@example.com', tags: [] })]);
    expect(JSON.parse(ok(['--json', 'show', 'Amazon']).stdout).password).toBeUndefined();
    ok(['add', 'Temp']);
    ok(['rm', 'Temp']);
    expect(ok(['ls', '-R', '-f']).stdout).toContain('Recycle Bin/Temp');
  });

  it('add creates missing groups and says so; a bare title matches in any case, exact case first', () => {
    const r = ok(['add', 'Work/Mail/Webmail', '-u', 'w1']);
    expect(r.stderr).toContain('created group Work/Mail');
    expect(ok(['ls', '-R', '-f']).stdout).toContain('Work/Mail/Webmail');
    expect(ok(['show', 'webmail', '-a', 'username']).stdout).toBe('w1\n');
    ok(['add', 'Work/WEBMAIL', '-u', 'w2']);
    expect(ok(['show', 'WEBMAIL', '-a', 'username']).stdout).toBe('w2\n');
    const amb = run(['show', 'webmail']);
    expect(amb.status).toBe(4);
    expect(amb.stderr).toContain('Work/Mail/Webmail');
    expect(amb.stderr).toContain('Work/WEBMAIL');
  });

  it('keeps the previous version as .bak', () => {
    expect(existsSync(`${vault}.bak`)).toBe(true);
  });
});

describe('exit codes and one-line errors', () => {
  it.each([
    [['show', 'Nope'], 4, /not found/],
    [['find', 'nothing-matches-this'], 4, /no entry matches 'nothing-matches-this'/],
    [['--vault', '/nonexistent/x.kdbx', 'ls'], 1, /vault not found at .*stv init/],
    [['--frobnicate'], 2, /unknown option/],
    [['--vault', '/tmp', 'ls'], 2, /is a directory/],
    [['--keyfile', '/nonexistent.key', 'ls'], 2, /cannot read keyfile/],
    [['--keyfile', '/tmp', 'add', 'X'], 2, /cannot read keyfile \/tmp: it is a directory/],
    [['add', 'X', '--frobnicate'], 2, /unknown option '--frobnicate'/],
    [['edit', 'Shopping/Amazon', '--url'], 2, /argument missing; see 'stv edit --help'/],
    [['show', '--show-protect', 'Amazon'], 2, /unknown option '--show-protect' \(did you mean --show-protected\?\); see 'stv show --help'/],
    [['shwo', 'Amazon'], 2, /unknown command 'shwo' \(did you mean show\?\)/],
    [['--password-fd', 'x', 'ls'], 2, /--password-fd <n>' argument 'x' is invalid\. it must be a file descriptor number/],
  ])('stv %j → exit %i, one line, the vault unchanged', (args, code, msg) => {
    const before = readFileSync(vault);
    const r = run(args as string[]);
    expect(readFileSync(vault).equals(before)).toBe(true);
    expect(r.status).toBe(code);
    expect(r.stderr).toMatch(msg as RegExp);
    expect(r.stderr.trim().split('\n').length).toBe(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a wrong password exits 3 without saying which part was wrong', () => {
    const r = run(['ls'], 'wrong\n');
    expect(r.status).toBe(3);
    expect(r.stderr.trim()).toBe('stv: wrong master password or keyfile');
  });

  it('no password source at all exits 5', () => {
    const r = run(['ls'], '');
    expect(r.status).toBe(5);
    expect(r.stderr).toMatch(/locked/);
  });

  it('an ambiguous title exits 4 and lists the candidates', () => {
    ok(['mkdir', 'Other']);
    ok(['add', 'Other/Amazon']);
    const r = run(['show', 'Amazon']);
    expect(r.status).toBe(4);
    expect(r.stderr).toContain('Shopping/Amazon');
    expect(r.stderr).toContain('Other/Amazon');
  });

  it('a vault of a newer format version exits 6 naming the version, and is not changed', () => {
    const newer = join(dir, 'newer.kdbx');
    const bytes = Buffer.from(readFileSync(vault));
    bytes.writeUInt16LE(0, 8); // minor version, after the two signatures
    bytes.writeUInt16LE(5, 10); // major version
    writeFileSync(newer, bytes);
    const r = stv(['--no-agent', '--vault', newer, 'add', 'X'], { env, input: `${PW}\n` });
    expect(r.status).toBe(6);
    expect(r.stderr.trim()).toBe('stv: unsupported KDBX version 5.0; only 2.x to 4.x can be read');
    expect(readFileSync(newer).equals(bytes)).toBe(true);
    expect(existsSync(`${newer}.bak`)).toBe(false);
  });

  it('an AES-128 vault (an id KeePassXC knows but cannot use) exits 6 naming the cipher and is not changed', () => {
    const bytes = Buffer.from(readFileSync(vault));
    // Walk the KDBX 4 header fields (id, 4-byte length, value) to the cipher field, id 2.
    let at = 12;
    while (bytes[at] !== 2) at += 5 + bytes.readUInt32LE(at + 1);
    Buffer.from('61ab05a1946441c38d743a563df8dd35', 'hex').copy(bytes, at + 5);
    const aes128 = join(dir, 'aes128.kdbx');
    writeFileSync(aes128, bytes);
    const r = stv(['--no-agent', '--vault', aes128, 'add', 'X'], { env, input: `${PW}\n` });
    expect(r.status).toBe(6);
    expect(r.stderr).toMatch(/^stv: unsupported cipher AES-128; [^\n]+\n$/);
    expect(readFileSync(aes128).equals(bytes)).toBe(true);
  });

  it('a keepassxc-cli KDBX 3.1 file stays KDBX 3.1 when stv saves it, and says nothing about upgrading', () => {
    const old = join(dir, 'k31.kdbx');
    const made = keepassxc(['db-create', '-q', '-p', '-t', '100', old], `${PW}\n${PW}\n`);
    expect(made.status, made.stderr).toBe(0);
    expect(readFileSync(old).readUInt16LE(10)).toBe(3);
    for (const title of ['A', 'B']) {
      const r = stv(['--no-agent', '--vault', old, 'add', title], { env, input: `${PW}\n` });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/upgrad|KDBX 4/);
      expect([readFileSync(old).readUInt16LE(10), readFileSync(old).readUInt16LE(8)]).toEqual([3, 1]);
    }
    expect(keepassxc(['ls', '-q', old], `${PW}\n`).stdout.split('\n')).toEqual(expect.arrayContaining(['A', 'B']));
  });

  it('a truncated vault exits 6 and is not changed', () => {
    const bad = join(dir, 'bad.kdbx');
    writeFileSync(bad, readFileSync(vault).subarray(0, 300));
    const before = readFileSync(bad);
    const r = stv(['--no-agent', '--vault', bad, 'ls'], { env, input: `${PW}\n` });
    expect(r.status).toBe(6);
    expect(r.stderr.trim()).toMatch(/^stv: corrupt file: .*at offset \d+.*\(truncated file\)$/);
    expect(readFileSync(bad).equals(before)).toBe(true);
  });
});

describe('password sources', () => {
  it('reads --password-file and --password-fd, and never needs argv or env', () => {
    const pwFile = join(dir, 'pw.txt');
    writeFileSync(pwFile, `${PW}\nignored second line\n`, { mode: 0o600 });
    expect(stv(['--no-agent', '--vault', vault, '--password-file', pwFile, 'ls'], { env, input: '' }).status).toBe(0);
    const fd = openSync(pwFile, 'r');
    const r = stv(['--no-agent', '--vault', vault, '--password-fd', '3', 'ls'], { env, input: '', stdio: ['pipe', 'pipe', 'pipe', fd] });
    closeSync(fd);
    expect(r.status, r.stderr).toBe(0);
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '');
    const e = stv(['--no-agent', '--vault', vault, '--password-file', empty, 'ls'], { env, input: '' });
    expect(e.status).toBe(2);
    expect(e.stderr).toMatch(/has no line/);
  });
});

describe('agent', () => {
  it('unlock 2 s → show needs no password → after 3 s idle exits 5 → lock is immediate', async () => {
    const agentEnv = { ...env };
    const u = stv(['--vault', vault, 'unlock', '--timeout', '2'], { env: agentEnv, input: `${PW}\n` });
    expect(u.status, u.stderr).toBe(0);
    const s = stv(['--vault', vault, 'show', '-a', 'username', 'Shopping/Amazon'], { env: agentEnv, input: '' });
    expect(s.status, s.stderr).toBe(0);
    expect(s.stdout).toBe('fred@example.com\n');
    // No secret in any process we started.
    const { readdirSync } = await import('node:fs');
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      for (const f of ['cmdline', 'environ']) {
        try {
          expect(readFileSync(`/proc/${pid}/${f}`, 'latin1')).not.toContain(PW);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && (e as NodeJS.ErrnoException).code !== 'EACCES' && (e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
        }
      }
    }
    // Wait (polling status, which does not count as use) until the idle timeout has passed.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && JSON.parse(stv(['--json', 'status'], { env: agentEnv }).stdout || '[]').length > 0) {
      await new Promise((res) => setTimeout(res, 300));
    }
    const r = stv(['--vault', vault, 'show', 'Amazon'], { env: agentEnv, input: '' });
    expect(r.status, r.stderr).toBe(5);
    expect(stv(['--vault', vault, 'unlock', '--timeout', '60'], { env: agentEnv, input: `${PW}\n` }).status).toBe(0);
    expect(JSON.parse(stv(['--json', 'status'], { env: agentEnv }).stdout)[0].vault).toBe(vault);
    expect(stv(['--vault', vault, 'lock'], { env: agentEnv }).status).toBe(0);
    const after = stv(['--vault', vault, 'ls'], { env: agentEnv, input: '' });
    expect(after.status, after.stderr).toBe(5);
  });
});

describe('agent and passwd', () => {
  it('passwd makes the agent drop the key it held for the old password, with --no-agent too', () => {
    const v = join(dir, 'rekeyed.kdbx');
    writeFileSync(v, readFileSync(vault));
    expect(stv(['--vault', v, 'unlock', '--timeout', '60'], { env, input: `${PW}\n` }).status).toBe(0);
    const held = () => (JSON.parse(stv(['--json', 'status'], { env }).stdout || '[]') as { vault: string }[]).map((x) => x.vault);
    expect(held()).toContain(v);
    const r = stv(['--no-agent', '--vault', v, '--password-fd', '0', 'passwd', '--allow-weak'], { env, input: `${PW}\nnew ${PW}\n` });
    expect(r.status, r.stderr).toBe(0);
    expect(held()).not.toContain(v);
    expect(stv(['--vault', v, 'ls'], { env, input: '' }).status).toBe(5);
  });
});

describe('agreement with keepassxc-cli', () => {
  it('ls -R -f and show -s give the same content for the same vault', () => {
    const ours = ok(['ls', '-R', '-f']).stdout.trim().split('\n').sort();
    const theirs = keepassxc(['ls', '-q', '-R', '-f', vault], `${PW}\n`);
    expect(theirs.status, theirs.stderr).toBe(0);
    expect(ours).toEqual(theirs.stdout.trim().split('\n').sort());
    const a = ok(['show', '-s', 'Shopping/Amazon']).stdout;
    const b = keepassxc(['show', '-q', '-s', vault, 'Shopping/Amazon'], `${PW}\n`).stdout;
    const fields = (t: string) => Object.fromEntries(t.split('\n').filter((l) => /^(Title|UserName|Password|URL|Notes|Uuid|Tags): /.test(l)).map((l) => l.split(/: (.*)/s).slice(0, 2)));
    expect(fields(a)).toEqual(fields(b));
  });
});

describe('the installed launcher (dist/stv.cjs)', () => {
  it('opens an AES-KDF vault through the worker it starts while the modules load', () => {
    const aes = join(dir, 'aes.kdbx');
    // Above WORKER_THRESHOLD (3M rounds): the two chains run in the launcher's spare workers.
    expect(stv(['--no-agent', '--vault', aes, 'init', '--kdf', 'aes', '--kdf-iterations', '3200000'], { env, input: `${PW}\n` }).status).toBe(0);
    expect(stv(['--no-agent', '--vault', aes, 'add', 'Bank', '-u', 'fred'], { env, input: `${PW}\n` }).status).toBe(0);
    const launcher = join(STV, '..', 'stv.cjs');
    for (const entry of [launcher, STV]) {
      const r = spawnSync(process.execPath, [entry, '--no-agent', '--vault', aes, 'show', '-a', 'username', 'Bank'], { env, input: `${PW}\n`, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, `${entry}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toBe('fred\n');
    }
    // keepassxc-cli derives the same key.
    expect(keepassxc(['show', '-q', '-a', 'username', aes, 'Bank'], `${PW}\n`).stdout).toBe('fred\n');
  });

  it('runs no code it receives: its workers and the KDF\'s are the built worker file, no eval, no new Function', () => {
    for (const f of ['stv.cjs', 'aes-kdf-worker.cjs']) {
      const text = readFileSync(join(STV, '..', f), 'utf8');
      expect(text, f).not.toMatch(/new Function|\beval\b/);
    }
    const launcher = readFileSync(join(STV, '..', 'stv.cjs'), 'utf8');
    expect(launcher).toContain('aes-kdf-worker.cjs');
  });
});
