/**
 * The git credential helper against real git: `git credential fill/approve/
 * reject`, and clones over HTTP from a local git http-backend that requires
 * basic auth, with the helper configured as users do (`credential.helper stv`,
 * found as git-credential-stv on PATH). The master password never comes from
 * git's stdin: locked without a terminal, git falls back; in a terminal
 * (tmux) the helper asks on /dev/tty.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdirSync, statSync, symlinkSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { ROOT, STV, isolatedEnv, run, stv, tempDir, type RunResult } from '../helpers/tools.js';
import { startGitHttpServer, type GitHttpServer } from '../helpers/git-http.js';
import { terminal } from '../helpers/terminal.js';

const MASTER = 'git-helper master 1';
const GITPW = 'forge-pw-Xy7%';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
let vault: string;
let server: GitHttpServer;

const git = (args: string[], o: { input?: string; cwd?: string } = {}) => run('git', args, { env, cwd: o.cwd ?? dir, input: o.input ?? '' });
const sv = (args: string[], input = `${MASTER}\n`) => stv(['--no-agent', ...args], { env, input });
const port = () => new URL(server.url).port;

/**
 * git run asynchronously (the HTTP server answers from this process's event loop);
 * `noTty`: setsid, so git and the helper have no controlling terminal, as in a CI job.
 */
function gitAsync(args: string[], o: { noTty?: boolean; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = o.noTty ? spawn('setsid', ['-w', 'git', ...args], { env, cwd: dir }) : spawn('git', args, { env, cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (status) => resolve({ status: status ?? -1, stdout, stderr }));
    child.stdin.end(o.input ?? '');
  });
}

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('stv-git-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  // As `npm install -g` links it: git finds git-credential-stv on PATH for `credential.helper stv`.
  symlinkSync(join(ROOT, 'dist', 'git-credential-stv.cjs'), join(bin, 'git-credential-stv'));
  env = isolatedEnv(dir, { PATH: `${bin}:${process.env.PATH}`, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' });
  vault = join(dir, 'v.kdbx');
  expect(sv(['--vault', vault, 'init', '--kdf-iterations', '1', '--kdf-memory', '8']).status).toBe(0);
  expect(stv(['config', 'add-vault', 'main', vault], { env }).status).toBe(0);
  expect(stv(['config', 'set', 'defaultVault', 'main'], { env }).status).toBe(0);
  // A bare repository with one commit, served over HTTP with basic auth.
  const srv = join(dir, 'srv');
  mkdirSync(srv);
  expect(git(['init', '-q', '--bare', join(srv, 'repo.git')]).status).toBe(0);
  const work = join(dir, 'work');
  expect(git(['init', '-q', work]).status).toBe(0);
  writeFileSync(join(work, 'README'), 'hello\n');
  expect(git(['add', 'README'], { cwd: work }).status).toBe(0);
  expect(git(['commit', '-q', '-m', 'first'], { cwd: work }).status).toBe(0);
  expect(git(['push', '-q', join(srv, 'repo.git'), 'HEAD:refs/heads/main'], { cwd: work }).status).toBe(0);
  expect(git(['--git-dir', join(srv, 'repo.git'), 'symbolic-ref', 'HEAD', 'refs/heads/main']).status).toBe(0);
  server = await startGitHttpServer(srv, { fred: GITPW });
  expect(git(['config', '--global', 'credential.helper', 'stv']).status).toBe(0);
});

afterAll(async () => {
  stv(['lock', '--all'], { env });
  await server?.close();
  cleanup?.();
});

describe('git credential helper', () => {
  test('locked and without a terminal: get prints nothing and git falls back (it cannot prompt, so the clone fails)', async () => {
    expect(sv(['--password-fd', '0', 'add', 'Forge', '--url', `http://127.0.0.1:${port()}`, '-u', 'fred', '-p'], `${MASTER}\n${GITPW}\n`).status).toBe(0);
    const r = await gitAsync(['clone', '-q', `${server.url}/repo.git`, join(dir, 'clone-locked')], { noTty: true });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/could not read Username|terminal prompts disabled/);
    expect(r.stderr).not.toContain('stv:');
    expect(server.attempts).toEqual([]);
  });

  test('unlocked in the agent: git clone over HTTP with basic auth succeeds with the password from the vault', async () => {
    expect(stv(['unlock', '--timeout', '300'], { env, input: `${MASTER}\n` }).status).toBe(0);
    const before = statSync(vault).mtimeMs;
    const r = await gitAsync(['clone', '-q', `${server.url}/repo.git`, join(dir, 'clone-ok')]);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'clone-ok', 'README'))).toBe(true);
    expect(server.attempts.at(-1)).toEqual({ user: 'fred', ok: true });
    // git approves the credential it used; the same password is not written again.
    expect(statSync(vault).mtimeMs).toBe(before);
  });

  test('git credential fill answers from the matching entry (protocol, host and port must agree)', () => {
    const fill = git(['credential', 'fill'], { input: `protocol=http\nhost=127.0.0.1:${port()}\n\n` });
    expect(fill.status, fill.stderr).toBe(0);
    expect(fill.stdout).toContain('username=fred\n');
    expect(fill.stdout).toContain(`password=${GITPW}\n`);
    // https on the same host, or another port: not this entry's site, so git falls back (and cannot prompt).
    for (const other of [`protocol=https\nhost=127.0.0.1:${port()}\n\n`, `protocol=http\nhost=127.0.0.1:1\n\n`]) {
      const r = git(['credential', 'fill'], { input: other });
      expect(r.status).not.toBe(0);
      expect(r.stdout).not.toContain(GITPW);
    }
  });

  test('git credential approve adds an entry under Git, then updates it with the old password in history', () => {
    const approve = (pw: string) => git(['credential', 'approve'], { input: `protocol=https\nhost=forge.example\nusername=ann\npassword=${pw}\n\n` });
    expect(approve('ann-pw-1').status).toBe(0);
    expect(stv(['show', '-a', 'password', 'Git/forge.example'], { env }).stdout).toBe('ann-pw-1\n');
    expect(approve('ann-pw-2').status).toBe(0);
    const shown = JSON.parse(stv(['--json', 'show', '-s', 'Git/forge.example'], { env }).stdout);
    expect(shown).toMatchObject({ username: 'ann', url: 'https://forge.example', password: 'ann-pw-2', history: 1 });
    const fill = git(['credential', 'fill'], { input: 'protocol=https\nhost=forge.example\n\n' });
    expect(fill.stdout).toContain('password=ann-pw-2\n');
  });

  test('git credential reject erases only an exact match (password included), to the recycle bin', () => {
    const reject = (pw: string) => git(['credential', 'reject'], { input: `protocol=https\nhost=forge.example\nusername=ann\npassword=${pw}\n\n` });
    expect(reject('not-the-stored-one').status).toBe(0);
    expect(stv(['show', '-a', 'password', 'Git/forge.example'], { env }).status).toBe(0);
    expect(reject('ann-pw-2').status).toBe(0);
    expect(stv(['show', 'Git/forge.example'], { env }).status).toBe(4);
    expect(stv(['ls', 'Recycle Bin'], { env }).stdout).toContain('forge.example');
  });

  test('a password the server no longer takes: the clone fails and git has the entry erased', async () => {
    server.users.set('fred', 'changed-on-the-server');
    const r = await gitAsync(['clone', '-q', `${server.url}/repo.git`, join(dir, 'clone-wrong')]);
    expect(r.status).not.toBe(0);
    expect(server.attempts.at(-1)).toEqual({ user: 'fred', ok: false });
    expect(stv(['ls', 'Recycle Bin'], { env }).stdout).toContain('Forge');
    server.users.set('fred', GITPW);
  });

  test('locked in a terminal: the helper asks on /dev/tty, not on stdin, and the clone goes through', async () => {
    expect(stv(['lock', '--all'], { env }).status).toBe(0);
    // The entry went to the recycle bin above: add it back.
    expect(sv(['--password-fd', '0', 'add', 'Forge again', '--url', `http://127.0.0.1:${port()}/`, '-u', 'fred', '-p'], `${MASTER}\n${GITPW}\n`).status).toBe(0);
    const t = terminal('gitcred', () => ({ dir, env }));
    const target = join(dir, 'clone-tty');
    const started = t.tmux('new-session', '-d', '-s', 'gitcred', '-x', '150', '-y', '40', `git clone ${server.url}/repo.git ${target}; echo CLONE-EXIT=$?; sleep 60`);
    expect(started.status, started.stderr).toBe(0);
    try {
      await t.waitForMore('Master password', 0);
      await t.type(MASTER, 'CLONE-EXIT=');
      expect(t.screen()).toContain('CLONE-EXIT=0');
      expect(existsSync(join(target, 'README'))).toBe(true);
      expect(t.screen()).not.toContain(MASTER);
      // get asked once and handed the key to the agent, so git's store after the clone did not ask again.
      expect(t.count('Master password')).toBe(1);
    } finally {
      t.tmux('kill-server');
    }
  });
});
