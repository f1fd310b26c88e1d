/**
 * Issue 21's terminal cases, in a real terminal (tmux): `init --force` asks
 * before replacing; a weak master password is rated and asked again; with
 * stdin a pipe the master password is asked on /dev/tty, never read from the
 * pipe; and the shell shows notes, custom fields and the TOTP code, edits
 * more than username and URL, and on Ctrl-C after a save does not claim that
 * nothing was changed.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { STV, stv, tempDir, isolatedEnv } from '../helpers/tools.js';
import { terminal } from '../helpers/terminal.js';

const PW = 'everyday pty Mäster pw';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
let vault: string;
const { tmux, screen, count, waitForMore, type } = terminal('ed', () => ({ dir, env }), 60_000);

/** Until the program in the pane reads keys itself (raw mode), so keys reach the prompt. */
async function untilPromptReadsKeys(ms = 30_000): Promise<void> {
  const tty = tmux('display', '-p', '-t', 'ed', '#{pane_tty}').stdout.trim();
  const end = Date.now() + ms;
  while (!/(^|\s)-isig(\s|$)/.test(spawnSync('stty', ['-a', '-F', tty], { encoding: 'utf8' }).stdout)) {
    if (Date.now() > end) throw new Error(`${tty} never went into raw mode; screen:\n${screen()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
/** The exit status of the last command typed into the pane. */
async function lastStatus(): Promise<number> {
  const before = count('rc=');
  await type('echo r""c=$?', 'rc=');
  return Number([...screen().matchAll(/^rc=(\d+)$/gm)].pop()?.[1]);
}
const keys = (...k: string[]) => tmux('send-keys', '-t', 'ed', ...k);
const cmd = (args: string) => `'${process.execPath}' '${STV}' --no-agent --vault '${vault}' ${args}`;
const direct = (args: string[], input = `${PW}\n`) => stv(['--no-agent', '--vault', vault, ...args], { env, input });

beforeAll(() => {
  if (!existsSync('/usr/bin/tmux')) throw new Error('tmux is missing: install the Debian package tmux (npm test installs it when run as root)');
  ({ dir, cleanup } = tempDir('stv-everyday-pty-'));
  env = isolatedEnv(dir, { TERM: 'xterm-256color' });
  vault = join(dir, 'v.kdbx');
  const r = tmux('new-session', '-d', '-s', 'ed', '-x', '200', '-y', '50', `PS1='$ ' exec bash --norc --noprofile +o history`);
  expect(r.status, r.stderr).toBe(0);
});
afterAll(() => {
  tmux('kill-server');
  cleanup?.();
});

it('11. init rates a weak master password and asks again; 1. init --force asks before replacing, and "no" changes nothing', async () => {
  await type(cmd('init --kdf-iterations 1 --kdf-memory 8'), 'New master password');
  await type('password1', 'Repeat the master password');
  await type('password1', 'Too weak for a master password');
  expect(screen()).toMatch(/strength: very weak, about 10\^\d guesses/);
  await waitForMore('New master password', 1);
  await type(PW, 'Repeat the master password');
  await type(PW, `created ${vault}`);
  expect(await lastStatus()).toBe(0);

  const bytes = readFileSync(vault);
  await type(cmd('init --force --kdf-iterations 1 --kdf-memory 8'), `Replace ${vault}`);
  await untilPromptReadsKeys();
  keys('n', 'Enter');
  await waitForMore('stv: not replaced; nothing was changed', 0);
  expect(await lastStatus()).toBe(130);
  expect(readFileSync(vault).equals(bytes)).toBe(true);
  expect(readdirSync(dir).filter((f) => f.includes('.replaced-'))).toEqual([]);
}, 120_000);

it('2. with stdin a pipe and the vault locked, the master password is asked on the terminal and the pipe is the entry password', async () => {
  await type(`printf 'piped-entry-pw\\n' | ${cmd('add -p Pension/Aviva')}`, 'Master password for');
  await type(PW, 'added Pension/Aviva');
  expect(await lastStatus()).toBe(0);
  expect(direct(['show', 'Aviva', '-a', 'password']).stdout).toBe('piped-entry-pw\n');
}, 120_000);

it('7. the shell shows notes, fields and TOTP, edits title/username/URL/tags/notes, and Ctrl-C after a save says what was saved', async () => {
  const editor = join(dir, 'editor.sh');
  spawnSync('sh', ['-c', `printf '%s\\n' '#!/bin/sh' "sed -i -e 's/^--- notes ---$/Account: 4711\\\\notp: otpauth:\\\\/\\\\/totp\\\\/x?secret=JBSWY3DPEHPK3PXP\\\\n--- notes ---\\\\nfirst note line/' \\"\\$1\\"" > '${editor}' && chmod 700 '${editor}'`]);
  const withEditor = stv(['--no-agent', '--vault', vault, 'edit', 'Aviva', '--editor'], { env: { ...env, EDITOR: editor }, input: `${PW}\n` });
  expect(withEditor.status, withEditor.stderr).toBe(0);

  await type(cmd('shell --timeout 120'), 'Master password for');
  await type(PW, 'Search entries');
  keys('-l', 'aviva');
  await waitForMore('Pension/Aviva', 1);
  keys('Enter');
  await waitForMore('Action', 0);
  const view = screen().split('Search entries').pop()!;
  expect(view).toContain('Account: 4711');
  expect(view).toContain('notes: first note line');
  expect(view).toMatch(/totp: \d{6}/);
  expect(view).not.toContain('piped-entry-pw'); // the password stays hidden in the view

  // "edit title, username, URL, tags, notes" is the 7th choice (copy password, copy username, copy TOTP, show password, show username, edit).
  keys('Down', 'Down', 'Down', 'Down', 'Down', 'Enter');
  // Each prompt's own '? Name' line: 'URL' is on the screen already, in the action's label.
  await waitForMore('? Title', 0);
  await untilPromptReadsKeys();
  keys('Enter'); // keep the title
  await waitForMore('? Username', 0);
  keys('-l', 'fred');
  keys('Enter');
  await waitForMore('? URL', 0);
  keys('-l', 'https://www.aviva.co.uk');
  keys('Enter');
  await waitForMore('? Tags (comma-separated)', 0);
  keys('-l', 'pension, uk');
  keys('Enter');
  await waitForMore('? Notes (one line', 0);
  keys('C-u');
  keys('-l', 'policy 12345');
  keys('Enter');
  await waitForMore('saved (old version kept in history)', 0);
  await waitForMore('Action', 1);
  keys('Up', 'Enter'); // back
  await waitForMore('Search entries', 1);
  await untilPromptReadsKeys();
  keys('C-c');
  await waitForMore('stv: left the shell; 1 change(s) saved', 0);
  expect(screen()).not.toContain('cancelled; nothing was changed');
  expect(await lastStatus()).toBe(0);

  const d = JSON.parse(direct(['--json', 'show', 'Aviva']).stdout);
  expect(d).toMatchObject({ username: 'fred', url: 'https://www.aviva.co.uk', tags: ['pension', 'uk'], notes: 'policy 12345', fields: { Account: '4711' } });
}, 180_000);
