/**
 * Conflicts in the interactive shell (a real pseudo-terminal, tmux): the main
 * menu offers them, the entry says which fields, and 'resolve conflict'
 * settles it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { STV, stv, tempDir, isolatedEnv } from '../helpers/tools.js';
import { terminal } from '../helpers/terminal.js';

const PW = 'shell conflict pw Jh6%rc Ty9';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
let vault: string;
const session = 'conflicts';
const { tmux, waitForMore } = terminal(session, () => ({ dir, env }));
const waitFor = (text: string) => waitForMore(text, 0);
const cli = (args: string[], input = `${PW}\n`, path = vault) => {
  const r = stv(['--no-agent', '--vault', path, ...args], { env, input });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
};

beforeAll(async () => {
  if (!existsSync('/usr/bin/tmux')) throw new Error('tmux is missing: install the Debian package tmux (npm test installs it when run as root)');
  ({ dir, cleanup } = tempDir('stv-shell-conflicts-'));
  env = isolatedEnv(dir, { TERM: 'xterm-256color' });
  vault = join(dir, 'v.kdbx');
  const other = join(dir, 'other.kdbx');
  cli(['init', '--kdf-iterations', '1', '--kdf-memory', '8']);
  cli(['add', 'Acme', '-u', 'fred']);
  copyFileSync(vault, other);
  cli(['edit', 'Acme', '-u', 'fred-here']);
  await new Promise((r) => setTimeout(r, 1100));
  cli(['edit', 'Acme', '-u', 'fred-there'], `${PW}\n`, other);
  cli(['merge', '-s', other]);
  const r = tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', `${process.execPath} ${STV} --no-agent --vault ${vault} shell --timeout 60`);
  expect(r.status, r.stderr).toBe(0);
});

afterAll(() => {
  tmux('kill-server');
  cleanup?.();
});

it('lists the conflict, names its field, and resolves it', async () => {
  await waitFor('Master password');
  tmux('send-keys', '-t', session, PW, 'Enter');
  await waitFor('! 1 conflict(s) from merges');
  tmux('send-keys', '-t', session, '-l', 'acme');
  await waitFor('Acme  fred-there');
  tmux('send-keys', '-t', session, 'Enter');
  await waitFor('conflict: UserName');
  // copy password, copy username, show password, show username, edit, edit in $EDITOR, new password, history, resolve conflict
  tmux('send-keys', '-t', session, 'Down', 'Down', 'Down', 'Down', 'Down', 'Down', 'Down', 'Down', 'Enter');
  await waitFor('Keep');
  tmux('send-keys', '-t', session, 'Enter');
  await waitFor('resolved');
  tmux('send-keys', '-t', session, 'C-c');
  expect(cli(['show', 'Acme'])).not.toMatch(/Conflict/);
  expect(cli(['show', 'Acme', '-a', 'username'])).toBe('fred-there\n');
});
