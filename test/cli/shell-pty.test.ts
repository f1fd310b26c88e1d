/**
 * The interactive shell in a real pseudo-terminal (tmux): unlock, search as
 * you type, show a field, then lock itself after the idle timeout and ask for
 * the password again.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { STV, stv, tempDir, isolatedEnv } from '../helpers/tools.js';

const PW = 'shell master pw';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
const session = `stv-shell-${process.pid}`;
const tmux = (...args: string[]) => spawnSync('tmux', args, { encoding: 'utf8', env });
const screen = () => tmux('capture-pane', '-p', '-t', session).stdout;
async function waitFor(text: string | RegExp, ms = 20_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const s = screen();
    if (typeof text === 'string' ? s.includes(text) : text.test(s)) return s;
    if (Date.now() > end) throw new Error(`timed out waiting for ${text}; screen:\n${s}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(() => {
  if (!existsSync('/usr/bin/tmux')) throw new Error('tmux is missing: install the Debian package tmux (npm test installs it when run as root)');
  ({ dir, cleanup } = tempDir('stv-shell-'));
  env = isolatedEnv(dir, { TERM: 'xterm-256color' });
  const vault = join(dir, 'v.kdbx');
  expect(stv(['--no-agent', '--vault', vault, 'init', '--kdf-iterations', '1', '--kdf-memory', '8'], { env, input: `${PW}\n` }).status).toBe(0);
  expect(stv(['--no-agent', '--vault', vault, '--password-fd', '0', 'add', 'Amazon', '-u', 'fred@example.com', '-p'], { env, input: `${PW}\nshell-entry-pw\n` }).status).toBe(0);
  expect(stv(['--no-agent', '--vault', vault, 'add', 'Bank'], { env, input: `${PW}\n` }).status).toBe(0);
  const cmd = `${process.execPath} ${STV} --vault ${vault} shell --timeout 3`;
  const r = tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', cmd);
  expect(r.status, r.stderr).toBe(0);
});

afterAll(() => {
  tmux('kill-session', '-t', session);
  cleanup?.();
});

it('unlocks, searches as you type, shows a field, and locks itself when idle', async () => {
  await waitFor('Master password');
  tmux('send-keys', '-t', session, PW, 'Enter');
  await waitFor('Search entries');
  tmux('send-keys', '-t', session, '-l', 'amaz');
  // The typed text can show before the list is filtered: wait for the filtered list, not the first paint.
  expect(await waitFor(/^(?![\s\S]*Bank)[\s\S]*Amazon {2}fred@example\.com/)).not.toContain('Bank');
  tmux('send-keys', '-t', session, 'Enter');
  await waitFor('Action');
  tmux('send-keys', '-t', session, 'Down', 'Down', 'Enter'); // copy password, copy username, show password
  await waitFor('password: shell-entry-pw');
  // Idle for longer than the timeout: the screen is cleared and the password asked again.
  const locked = await waitFor('locked after 3 s of inactivity', 20_000);
  expect(locked).not.toContain('shell-entry-pw');
  await waitFor('Master password');
  tmux('send-keys', '-t', session, 'C-c');
});
