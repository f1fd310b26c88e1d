/**
 * A vault in git (issue 23), with real git and two clones: `stv git setup`
 * registers the merge driver and the textconv; `git pull` merges concurrent
 * edits entry by entry (exit 0, a merge commit, KeePassXC reads the result);
 * the same field edited on both sides stops the merge with both values kept
 * and the entry tagged; `git pull --rebase` replays through the driver;
 * `git diff` shows which entries and fields changed and no secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stv, STV, tempDir, isolatedEnv, keepassxc, run, type RunResult } from '../helpers/tools.js';
import { Vault, hasConflict } from '../../src/vault/index.js';

const PW = 'git test pw 4821';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
let pwFile: string;
let a: string;
let b: string;

const git = (cwd: string, args: string[]): RunResult => run('git', args, { cwd, env });
const gitOk = (cwd: string, args: string[]) => {
  const r = git(cwd, args);
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} → ${r.status}: ${r.stderr}`);
  return r;
};
// Every stv here runs inside the test's directory: `git setup` configures the repository it is run in.
const ok = (args: string[], cwd = dir) => {
  const r = stv(['--no-agent', '--password-file', pwFile, ...args], { env, input: '', cwd });
  if (r.status !== 0) throw new Error(`stv ${args.join(' ')} → ${r.status}: ${r.stderr}`);
  return r;
};

async function open(path: string): Promise<Vault> {
  return Vault.open(readFileSync(path), { password: Buffer.from(PW) });
}
async function titles(path: string): Promise<string[]> {
  const v = await open(path);
  try {
    return [...v.db.entries()].filter((e) => !v.db.isInRecycleBin(e)).map((e) => e.title).sort();
  } finally {
    v.close();
  }
}

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-git-'));
  env = { ...isolatedEnv(dir), GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.org', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.org', GIT_CONFIG_NOSYSTEM: '1' };
  pwFile = join(dir, 'pw');
  writeFileSync(pwFile, `${PW}\n`, { mode: 0o600 });
  a = join(dir, 'a');
  b = join(dir, 'b');
  gitOk(dir, ['init', '-q', '--bare', '-b', 'main', 'origin.git']);
  gitOk(dir, ['clone', '-q', 'origin.git', 'a']);
  mkdirSync(join(dir, 'config', 'stickvault'), { recursive: true });
  writeFileSync(join(dir, 'config', 'stickvault', 'config.json'), JSON.stringify({ defaultVault: 'a', vaults: { a: { path: join(a, 'personal.kdbx') }, b: { path: join(b, 'personal.kdbx') } } }));
  ok(['init', '--kdf-iterations', '2', '--kdf-memory', '8']);
  ok(['add', 'Amazon', '-u', 'fred', '--url', 'https://amazon.example']);
  // How git runs stv here: the built CLI, the key from a password file (never git's stdin).
  const command = `'${process.execPath}' '${STV}' --no-agent --password-file '${pwFile}'`;
  ok(['git', 'setup', '--command', command], a);
  expect(readFileSync(join(a, '.gitattributes'), 'utf8')).toContain('*.kdbx merge=kdbx diff=kdbx');
  gitOk(a, ['add', '.']);
  gitOk(a, ['commit', '-q', '-m', 'vault']);
  gitOk(a, ['push', '-q', 'origin', 'main']);
  gitOk(dir, ['clone', '-q', 'origin.git', 'b']);
  const setupB = stv(['--no-agent', '--password-file', pwFile, 'git', 'setup', '--command', command], { env, input: '', cwd: b });
  expect(setupB.status, setupB.stderr).toBe(0);
  expect(setupB.stderr).toMatch(/already marks/);
});
afterAll(() => cleanup());

describe('a vault in git', () => {
  it('git pull merges edits made in two clones (exit 0, a merge commit) and KeePassXC reads the result', async () => {
    ok(['--vault', 'a', 'add', 'FromA', '-u', 'a']);
    gitOk(a, ['commit', '-q', '-am', 'a']);
    gitOk(a, ['push', '-q', 'origin', 'main']);
    ok(['--vault', 'b', 'add', 'FromB', '-u', 'b']);
    gitOk(b, ['commit', '-q', '-am', 'b']);
    const pull = git(b, ['pull', '--no-rebase', '--no-edit', 'origin', 'main']);
    expect(pull.status, pull.stdout + pull.stderr).toBe(0);
    expect(await titles(join(b, 'personal.kdbx'))).toEqual(['Amazon', 'FromA', 'FromB']);
    expect(gitOk(b, ['log', '--format=%p', '-1']).stdout.trim().split(' ')).toHaveLength(2);
    expect(gitOk(b, ['status', '--porcelain']).stdout).toBe('');
    const kx = keepassxc(['ls', '-R', '-f', join(b, 'personal.kdbx'), '/'], `${PW}\n`);
    expect(kx.stdout).toContain('FromA');
    gitOk(b, ['push', '-q', 'origin', 'main']);
    gitOk(a, ['pull', '-q', '--no-rebase', 'origin', 'main']);
  });

  it('the same field edited in both clones stops the merge with both values kept and the entry tagged', async () => {
    ok(['--vault', 'a', 'edit', 'Amazon', '--url', 'https://a.example']);
    gitOk(a, ['commit', '-q', '-am', 'a url']);
    gitOk(a, ['push', '-q', 'origin', 'main']);
    ok(['--vault', 'b', 'edit', 'Amazon', '--url', 'https://b.example']);
    gitOk(b, ['commit', '-q', '-am', 'b url']);
    const pull = git(b, ['pull', '--no-rebase', '--no-edit', 'origin', 'main']);
    expect(pull.status).not.toBe(0);
    expect(pull.stdout + pull.stderr).toMatch(/CONFLICT|conflict/);
    expect(gitOk(b, ['status', '--porcelain']).stdout).toMatch(/^UU personal\.kdbx/m);
    const v = await open(join(b, 'personal.kdbx'));
    try {
      const amazon = [...v.db.entries()].find((e) => e.title === 'Amazon')!;
      expect(hasConflict(amazon)).toBe(true);
      const urls = new Set([amazon.get('URL'), ...amazon.history.map((h) => h.get('URL'))]);
      expect(urls.has('https://a.example') && urls.has('https://b.example')).toBe(true);
    } finally {
      v.close();
    }
    gitOk(b, ['add', 'personal.kdbx']);
    gitOk(b, ['commit', '-q', '--no-edit']);
    gitOk(b, ['push', '-q', 'origin', 'main']);
    gitOk(a, ['pull', '-q', '--no-rebase', 'origin', 'main']);
  });

  it('git pull --rebase replays a local edit through the driver', async () => {
    ok(['--vault', 'a', 'add', 'RebaseA', '-u', 'a']);
    gitOk(a, ['commit', '-q', '-am', 'a again']);
    gitOk(a, ['push', '-q', 'origin', 'main']);
    ok(['--vault', 'b', 'add', 'RebaseB', '-u', 'b']);
    gitOk(b, ['commit', '-q', '-am', 'b again']);
    const pull = git(b, ['pull', '--rebase', 'origin', 'main']);
    expect(pull.status, pull.stdout + pull.stderr).toBe(0);
    expect(await titles(join(b, 'personal.kdbx'))).toEqual(expect.arrayContaining(['RebaseA', 'RebaseB', 'FromA', 'FromB']));
    expect(gitOk(b, ['log', '--format=%p', '-1']).stdout.trim().split(' ')).toHaveLength(1);
  });

  it('git diff shows which entries and fields changed, and no secret', () => {
    ok(['--vault', 'a', 'edit', 'Amazon', '--url', 'https://secret-url.example']);
    const d = gitOk(a, ['diff', '--', 'personal.kdbx']).stdout;
    expect(d).toMatch(/^-\s+URL: #[0-9a-f]{12}$/m);
    expect(d).toMatch(/^\+\s+URL: #[0-9a-f]{12}$/m);
    expect(d).not.toMatch(/^[-+]\s+UserName/m);
    expect(d).not.toContain('secret-url');
    expect(d).not.toContain('a.example');
    expect(d).toContain('Amazon');
  });

  it('merge-driver refuses two different vaults: non-zero, ours untouched', async () => {
    const other = join(dir, 'other.kdbx');
    const o = stv(['--no-agent', '--password-file', pwFile, '--vault', other, 'init', '--kdf-iterations', '2', '--kdf-memory', '8'], { env, input: '', cwd: dir });
    expect(o.status, o.stderr).toBe(0);
    const ours = join(dir, 'ours.kdbx');
    writeFileSync(ours, readFileSync(join(a, 'personal.kdbx')));
    const before = readFileSync(ours);
    const r = stv(['--no-agent', '--password-file', pwFile, 'merge-driver', '/dev/null', ours, other, 'personal.kdbx'], { env, input: '', cwd: dir });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/^stv: the two sides are different vaults/);
    expect(readFileSync(ours).equals(before)).toBe(true);
  });
});
