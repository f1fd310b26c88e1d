/**
 * Ctrl-C at any prompt, in a real terminal (tmux): stv says it cancelled,
 * exits 130, and leaves the vault byte-for-byte as it was (no new file, no
 * temp file, no .bak).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STV, stv, tempDir, isolatedEnv } from '../helpers/tools.js';
import { terminal } from '../helpers/terminal.js';

const PW = 'ctrl-c master pw';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
let vault: string;
const { tmux, screen, count, waitForMore, type } = terminal('cc', () => ({ dir, env }));
/**
 * Until the program in the pane reads keys itself (raw mode: the terminal sends
 * no SIGINT). A Ctrl-C before that kills it by signal, which also changes
 * nothing, but is not the prompt's own cancel this test is about.
 */
async function untilPromptReadsKeys(ms = 30_000): Promise<void> {
  const tty = tmux('display', '-p', '-t', 'cc', '#{pane_tty}').stdout.trim();
  const end = Date.now() + ms;
  while (!/(^|\s)-isig(\s|$)/.test(spawnSync('stty', ['-a', '-F', tty], { encoding: 'utf8' }).stdout)) {
    if (Date.now() > end) throw new Error(`${tty} never went into raw mode; screen:\n${screen()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Types `command`, answers `answers` prompts with PW, then presses Ctrl-C at `prompt`; returns the exit status. */
async function cancelAt(command: string, answers: string[], prompt: string): Promise<number> {
  const before = count('stv: cancelled; nothing was changed');
  const first = answers[0] ?? prompt;
  await type(command, first);
  for (let i = 0; i < answers.length; i++) await type(PW, answers[i + 1] ?? prompt);
  await untilPromptReadsKeys();
  tmux('send-keys', '-t', 'cc', 'C-c');
  await waitForMore('stv: cancelled; nothing was changed', before);
  // The typed line must not itself contain what we wait for: r""c= is echoed as rc=.
  const before2 = count('rc=');
  await type('echo r""c=$?', 'rc=');
  expect(count('rc=')).toBe(before2 + 1);
  return Number([...screen().matchAll(/^rc=(\d+)$/gm)].pop()?.[1]);
}

beforeAll(() => {
  if (!existsSync('/usr/bin/tmux')) throw new Error('tmux is missing: install the Debian package tmux (npm test installs it when run as root)');
  ({ dir, cleanup } = tempDir('stv-ctrlc-'));
  env = isolatedEnv(dir, { TERM: 'xterm-256color' });
  vault = join(dir, 'v.kdbx');
  // No history: bash would write ~/.bash_history into the test's home while afterAll removes it.
  const r = tmux('new-session', '-d', '-s', 'cc', '-x', '160', '-y', '50', `PS1='$ ' exec bash --norc --noprofile +o history`);
  expect(r.status, r.stderr).toBe(0);
});

afterAll(() => {
  tmux('kill-server');
  cleanup?.();
});

const cmd = (args: string) => `'${process.execPath}' '${STV}' --no-agent --vault '${vault}' ${args}`;

it('Ctrl-C at the repeat prompt of init creates nothing', async () => {
  expect(await cancelAt(cmd('init --kdf-iterations 1 --kdf-memory 8'), ['New master password'], 'Repeat the master password')).toBe(130);
  expect(readdirSync(dir).filter((f) => f.endsWith('.kdbx') || f.includes('.tmp'))).toEqual([]);
});

it('Ctrl-C at the unlock, entry-password and new-password prompts leaves the vault untouched', async () => {
  expect(stv(['--no-agent', '--vault', vault, 'init', '--kdf-iterations', '1', '--kdf-memory', '8'], { env, input: `${PW}\n` }).status).toBe(0);
  const bytes = readFileSync(vault);
  const files = readdirSync(dir).sort();
  expect(await cancelAt(cmd('ls'), [], 'Master password for')).toBe(130);
  expect(await cancelAt(cmd('add Shop/Amazon -p'), ['Master password for'], 'Password for the entry')).toBe(130);
  expect(await cancelAt(cmd('passwd'), ['Master password for'], 'New master password')).toBe(130);
  expect(readFileSync(vault).equals(bytes)).toBe(true);
  expect(readdirSync(dir).sort()).toEqual(files);
  expect(stv(['help', 'exit-codes'], { env }).stdout).toMatch(/^130  cancelled at a prompt \(Ctrl-C\); nothing was changed$/m);
});
