/**
 * stv pick with real pickers under Xvfb: fzf's --filter (--best), fzf on a
 * terminal (tmux), real dmenu typed into with xdotool, and a dmenu-style
 * command line of the user's own. The chosen entry's password lands on the
 * clipboard (read back with xsel); the picker sees entry paths only.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STV, isolatedEnv, stv, tempDir, type RunResult } from '../helpers/tools.js';
import { until } from '../helpers/wait.js';
import { terminal } from '../helpers/terminal.js';

const MASTER = 'pick master pw';
const PW = { amazon: 'amazon-pw-Ab1!', bank: 'bank-pw-Cd2@', github: 'github-pw-Ef3#' };
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
let xvfb: ChildProcess;

const clipboard = () => spawnSync('xsel', ['-ob'], { env, encoding: 'utf8', timeout: 10_000 }).stdout;
const clearClipboard = () => spawnSync('xsel', ['-cb'], { env, timeout: 10_000 });
function stvAsync(args: string[]): { done: Promise<RunResult> } {
  const child = spawn(process.execPath, [STV, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  return { done: new Promise((r) => child.on('close', (status) => r({ status: status ?? -1, stdout, stderr }))) };
}

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('stv-pick-'));
  xvfb = spawn('/usr/bin/Xvfb', ['-displayfd', '1', '-nolisten', 'tcp', '-screen', '0', '800x600x24'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const display = await new Promise<string>((resolve, reject) => {
    let out = '';
    xvfb.stdout!.on('data', (c) => {
      out += c;
      if (out.includes('\n')) resolve(`:${out.trim()}`);
    });
    xvfb.once('exit', () => reject(new Error('Xvfb exited before it chose a display')));
  });
  env = isolatedEnv(dir, { DISPLAY: display, TERM: 'xterm-256color' });
  expect(stv(['--no-agent', 'init', '--kdf-iterations', '1', '--kdf-memory', '8'], { env, input: `${MASTER}\n` }).status).toBe(0);
  expect(stv(['--no-agent', '--password-fd', '0', 'add', 'Shopping/Amazon', '-u', 'fred@example.com', '-p'], { env, input: `${MASTER}\n${PW.amazon}\n` }).status).toBe(0);
  expect(stv(['--no-agent', '--password-fd', '0', 'add', 'Finance/Bank', '-u', 'fred', '-p'], { env, input: `${MASTER}\n${PW.bank}\n` }).status).toBe(0);
  expect(stv(['--no-agent', '--password-fd', '0', 'add', 'Dev/GitHub', '-u', 'fred-gh', '-p'], { env, input: `${MASTER}\n${PW.github}\n` }).status).toBe(0);
  expect(stv(['unlock', '--timeout', '300'], { env, input: `${MASTER}\n` }).status).toBe(0);
}, 60_000);

afterAll(() => {
  stv(['clip', '--clear'], { env });
  stv(['lock', '--all'], { env });
  xvfb?.kill();
  cleanup?.();
});

describe('stv pick', () => {
  test("--best takes fzf's best match (fzf --filter) and copies its password; --field copies another field", () => {
    const r = stv(['pick', '--best', 'amzn'], { env });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('copied PASSWORD of Shopping/Amazon');
    expect(clipboard()).toBe(PW.amazon);
    expect(stv(['pick', '--best', 'gthb', '-f', 'username'], { env }).status).toBe(0);
    expect(clipboard()).toBe('fred-gh');
    const none = stv(['pick', '--best', 'zzzzqq'], { env });
    expect(none.status).toBe(4);
    expect(none.stderr).toBe("stv: no entry matches 'zzzzqq'\n");
  });

  test('a dmenu-style command line of your own gets the entry paths, and nothing else, on its stdin', () => {
    const seen = join(dir, 'picker-input.txt');
    const r = stv(['pick', '--picker', `tee ${seen} | grep -m1 Bank`], { env });
    expect(r.status, r.stderr).toBe(0);
    expect(clipboard()).toBe(PW.bank);
    expect(readFileSync(seen, 'utf8').split('\n').filter(Boolean).sort()).toEqual(['Dev/GitHub', 'Finance/Bank', 'Shopping/Amazon']);
    // Cancelled (the picker printed nothing): exit 130, the clipboard untouched.
    const cancelled = stv(['pick', '--picker', 'cat > /dev/null; exit 1'], { env });
    expect(cancelled.status).toBe(130);
    expect(clipboard()).toBe(PW.bank);
  });

  test('real dmenu on the X display: typing a few letters and Enter copies that entry', async () => {
    clearClipboard();
    const run = stvAsync(['pick', '--picker', 'dmenu']);
    // dmenu is up when it has mapped its window.
    expect(await until(() => spawnSync('xdotool', ['search', '--class', 'dmenu'], { env }).status === 0)).toBe(true);
    spawnSync('xdotool', ['type', '--delay', '20', 'githu'], { env });
    spawnSync('xdotool', ['key', 'Return'], { env });
    const r = await run.done;
    expect(r.status, r.stderr).toBe(0);
    expect(clipboard()).toBe(PW.github);
  });

  test('fzf on a terminal (tmux): the query shows the matches, typing narrows them, Enter copies', async () => {
    clearClipboard();
    const t = terminal('pick', () => ({ dir, env }));
    const started = t.tmux('new-session', '-d', '-s', 'pick', '-x', '120', '-y', '30', `${process.execPath} ${STV} pick a; echo PICK-EXIT=$?; sleep 60`);
    expect(started.status, started.stderr).toBe(0);
    try {
      // fzf's counter: the query 'a' matches two of the three entries; 'ank' only the bank.
      await t.waitForMore('2/3', 0);
      expect(t.screen()).toContain('Shopping/Amazon');
      t.tmux('send-keys', '-t', 'pick', '-l', 'nk');
      await t.waitForMore('1/3', 0);
      t.tmux('send-keys', '-t', 'pick', 'Enter');
      await t.waitForMore('PICK-EXIT=', 0);
      expect(t.screen()).toContain('PICK-EXIT=0');
      expect(clipboard()).toBe(PW.bank);
      expect(t.screen()).not.toContain(PW.bank);
    } finally {
      t.tmux('kill-server');
    }
  });

  test('no picker installed: a one-line error that says which to install, before any password is asked', () => {
    const r = spawnSync(process.execPath, [STV, '--no-agent', 'pick'], { env: { ...env, PATH: '/nonexistent' }, input: '', encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('stv: no picker found; install fzf (terminal) or rofi, dmenu or wofi (desktop), or name one with --picker\n');
  });
});
