/**
 * Attachments in the interactive shell, in a real pseudo-terminal (tmux):
 * the entry menu lists them, saves one to a file (mode 0600) and attaches
 * another, as `stv attachment get/add` do; and `attachment get` refuses to
 * write raw bytes to a terminal.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STV, stv, tempDir, isolatedEnv } from '../helpers/tools.js';
import { terminal } from '../helpers/terminal.js';

const PW = 'shell att pw Nz5-kd Wp3';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
let vault: string;
const t = terminal('shell', () => ({ dir, env }));
const get = terminal('get', () => ({ dir, env }));
const keys = (...k: string[]) => t.tmux('send-keys', '-t', 'shell', ...k);
const waitFor = (text: string) => t.waitForMore(text, 0);

beforeAll(() => {
  if (!existsSync('/usr/bin/tmux')) throw new Error('tmux is missing: install the Debian package tmux (npm test installs it when run as root)');
  ({ dir, cleanup } = tempDir('stv-shell-att-'));
  env = isolatedEnv(dir, { TERM: 'xterm-256color' });
  vault = join(dir, 'v.kdbx');
  writeFileSync(join(dir, 'id.txt'), 'key-1');
  writeFileSync(join(dir, 'new.bin'), Buffer.from([9, 8, 7]));
  expect(stv(['--no-agent', '--vault', vault, 'init', '--kdf-iterations', '1', '--kdf-memory', '8'], { env, input: `${PW}\n` }).status).toBe(0);
  expect(stv(['--no-agent', '--vault', vault, 'add', 'NAS', '-u', 'root'], { env, input: `${PW}\n` }).status).toBe(0);
  expect(stv(['--no-agent', '--vault', vault, 'attachment', 'add', 'NAS', join(dir, 'id.txt')], { env, input: `${PW}\n` }).status).toBe(0);
});

afterAll(() => {
  t.tmux('kill-server');
  cleanup?.();
});

it('lists, saves and attaches files from the entry menu', async () => {
  const r = t.tmux('new-session', '-d', '-s', 'shell', '-x', '120', '-y', '40', `${process.execPath} ${STV} --vault ${vault} shell --timeout 120`);
  expect(r.status, r.stderr).toBe(0);
  await waitFor('Master password');
  await t.type(PW, 'Search entries');
  keys('-l', 'NAS');
  await waitFor('NAS  root');
  keys('Enter');
  await waitFor('attachments (1)');
  // copy password, copy username, show password, show username, edit, edit in $EDITOR, new password, history, attachments
  keys('Down', 'Down', 'Down', 'Down', 'Down', 'Down', 'Down', 'Down', 'Enter');
  await waitFor('id.txt  (5 bytes)');
  keys('Enter');
  await waitFor('save to a file');
  keys('Enter');
  await waitFor('Save as');
  const out = join(dir, 'saved.txt');
  await t.type(out, `wrote ${out}`);
  expect(readFileSync(out, 'utf8')).toBe('key-1');
  expect(statSync(out).mode & 0o777).toBe(0o600);
  // Back in the list: "+ attach a file" comes after the one attachment.
  keys('Down', 'Enter');
  await waitFor('File to attach');
  await t.type(join(dir, 'new.bin'), 'Name');
  await t.type('', 'attached new.bin');
  keys('C-c');
  const ls = stv(['--no-agent', '--vault', vault, '--json', 'attachment', 'ls', 'NAS'], { env, input: `${PW}\n` });
  expect(JSON.parse(ls.stdout).map((a: { name: string }) => a.name)).toEqual(['id.txt', 'new.bin']);
  const got = stv(['--no-agent', '--vault', vault, 'attachment', 'get', 'NAS', 'new.bin'], { env, input: `${PW}\n`, encoding: 'latin1' });
  expect(Buffer.from(got.stdout, 'latin1').equals(Buffer.from([9, 8, 7]))).toBe(true);
});

it('attachment get refuses to write raw bytes to a terminal (they could drive it), and says how to save them', async () => {
  const pwFile = join(dir, 'pw.txt');
  writeFileSync(pwFile, `${PW}\n`, { mode: 0o600 });
  const r = get.tmux('new-session', '-d', '-s', 'get', '-x', '120', '-y', '20', `${process.execPath} ${STV} --no-agent --vault ${vault} --password-file ${pwFile} attachment get NAS id.txt; echo "exit=$?"; sleep 30`);
  expect(r.status, r.stderr).toBe(0);
  await get.waitForMore('exit=', 0);
  const s = get.screen();
  expect(s).toMatch(/stv: stdout is a terminal; save id\.txt with -o FILE or pipe it/);
  expect(s).toContain('exit=2');
  expect(s).not.toContain('key-1');
});
