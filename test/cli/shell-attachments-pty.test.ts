/**
 * Attachments in the interactive shell, in a real pseudo-terminal (tmux):
 * the entry menu lists them, saves one to a file (mode 0600) and attaches
 * another, as `stv attachment get/add` do.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STV, stv, tempDir, isolatedEnv } from '../helpers/tools.js';

const PW = 'shell att pw';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
let vault: string;
const session = `stv-shell-att-${process.pid}`;
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
const until = async (check: () => boolean, what: string) => {
  const end = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${screen()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

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
  const r = tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', `${process.execPath} ${STV} --vault ${vault} shell --timeout 120`);
  expect(r.status, r.stderr).toBe(0);
});

afterAll(() => {
  tmux('kill-session', '-t', session);
  cleanup?.();
});

it('lists, saves and attaches files from the entry menu', async () => {
  await waitFor('Master password');
  tmux('send-keys', '-t', session, PW, 'Enter');
  await waitFor('Search entries');
  tmux('send-keys', '-t', session, '-l', 'NAS');
  await waitFor(/NAS {2}root/);
  tmux('send-keys', '-t', session, 'Enter');
  await waitFor('attachments (1)');
  // copy password, copy username, show password, show username, edit, new password, attachments
  tmux('send-keys', '-t', session, 'Down', 'Down', 'Down', 'Down', 'Down', 'Down', 'Enter');
  await waitFor('id.txt  (5 bytes)');
  tmux('send-keys', '-t', session, 'Enter');
  await waitFor('save to a file');
  tmux('send-keys', '-t', session, 'Enter');
  await waitFor('Save as');
  const out = join(dir, 'saved.txt');
  tmux('send-keys', '-t', session, '-l', out);
  tmux('send-keys', '-t', session, 'Enter');
  await waitFor(`wrote ${out}`);
  expect(readFileSync(out, 'utf8')).toBe('key-1');
  expect(statSync(out).mode & 0o777).toBe(0o600);
  // Back in the list: "+ attach a file" is after the one attachment.
  await waitFor('+ attach a file');
  tmux('send-keys', '-t', session, 'Down', 'Enter');
  await waitFor('File to attach');
  tmux('send-keys', '-t', session, '-l', join(dir, 'new.bin'));
  tmux('send-keys', '-t', session, 'Enter');
  await waitFor('Name');
  tmux('send-keys', '-t', session, 'Enter');
  await waitFor('attached new.bin');
  tmux('send-keys', '-t', session, 'C-c');
  await until(() => {
    const r = stv(['--no-agent', '--vault', vault, '--json', 'attachment', 'ls', 'NAS'], { env, input: `${PW}\n` });
    return r.status === 0 && r.stdout.includes('new.bin');
  }, 'new.bin in the vault');
  const got = stv(['--no-agent', '--vault', vault, 'attachment', 'get', 'NAS', 'new.bin'], { env, input: `${PW}\n`, encoding: 'latin1' });
  expect(Buffer.from(got.stdout, 'latin1').equals(Buffer.from([9, 8, 7]))).toBe(true);
});

it('attachment get refuses to write raw bytes to a terminal (they could drive it), and says how to save them', async () => {
  const name = `${session}-get`;
  const pwFile = join(dir, 'pw.txt');
  writeFileSync(pwFile, `${PW}\n`, { mode: 0o600 });
  const r = tmux('new-session', '-d', '-s', name, '-x', '120', '-y', '20', `${process.execPath} ${STV} --no-agent --vault ${vault} --password-file ${pwFile} attachment get NAS id.txt; echo "exit=$?"; sleep 30`);
  expect(r.status, r.stderr).toBe(0);
  try {
    const end = Date.now() + 20_000;
    let s = '';
    while (!/exit=\d+/.test(s)) {
      if (Date.now() > end) throw new Error(`timed out; screen:\n${s}`);
      await new Promise((res) => setTimeout(res, 100));
      s = tmux('capture-pane', '-p', '-t', name).stdout;
    }
    expect(s).toMatch(/stv: stdout is a terminal; save id\.txt with -o FILE or pipe it/);
    expect(s).toContain('exit=2');
    expect(s).not.toContain('key-1');
  } finally {
    tmux('kill-session', '-t', name);
  }
});
