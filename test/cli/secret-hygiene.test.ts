/**
 * Secret hygiene over a whole scenario of every subcommand that touches a
 * secret (init, add -p, edit -p, edit --protected-field, show -s, passwd, export, merge, import CSV
 * and KeePass 1, unlock + agent, gen, and the integrations: git-credential
 * get/store/erase, exec --file/--stdin and the command it runs, ssh-add into a
 * real ssh-agent, totp set, audit --hibp/--hibp-online, pick and its picker),
 * with passwords fed through stdin,
 * --password-file and --password-fd, plain, with STV_DEBUG=1 and in failing
 * runs. Every stdout/stderr, and /proc/PID/{cmdline,environ} of every process
 * the scenario starts (watched while it runs, the agent included), is
 * searched for the test passwords. Then: modes of everything stv created
 * (0600 files, 0700 directories), and the agent socket refusing another user.
 * cli.test.ts covers the password sources themselves; this is the sweep.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, lstatSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { isolatedEnv, keepassxc, STV, tempDir } from '../helpers/tools.js';
import { writeHibpFile } from '../helpers/hibp.mjs';
import { makeKdb } from '../vault/kdb/make-kdb.js';

const MASTER = 'Mäster-one-7Qx!';
const MASTER2 = 'Second-master-Zz9%';
const WRONG = 'wrong-guess-Kp3$';
const KDB_PW = 'kdb-master-Yq4&';
const ENTRY = ['entry-pw-Aa1#', 'entry-pw-Bb2#', 'entry-pw-Cc3#', 'imported-pw-Dd4#'];
// The integrations' secrets: git credentials, an SSH key's passphrase, a TOTP secret.
const [GIT_PW, GIT_PW2, SSH_PASS, TOTP_SECRET] = ['git-forge-pw-Gg5#', 'git-forge-pw-Hh6#', 'ssh-key-pass-Ii7#', 'JBSWY3DPEHPK3PXPGEZDGNBVGY3TQOJQ'];
ENTRY.push(GIT_PW, GIT_PW2, SSH_PASS, TOTP_SECRET);
/** Never in any output, argv or environment. */
const MASTERS = [MASTER, MASTER2, WRONG, KDB_PW];

let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
let vault: string;
const seen: { label: string; text: string }[] = []; // every argv/environ we read
const outputs: { label: string; stdout: string; stderr: string; mayShowEntries: boolean }[] = [];
const watchedPids = new Set<number>();

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-hygiene-'));
  env = isolatedEnv(dir, { SSH_AUTH_SOCK: join(dir, 'ssh-agent.sock') });
  vault = join(dir, 'stick', 'v.kdbx');
});
afterAll(() => {
  spawnSync(process.execPath, [STV, 'lock', '--all'], { env }); // stop the agent if a test failed midway
  cleanup();
});

function procText(pid: number): string | undefined {
  try {
    return ['cmdline', 'environ'].map((f) => readFileSync(`/proc/${pid}/${f}`, 'latin1')).join('\n');
  } catch {
    return undefined; // gone
  }
}

/** Every live process whose environment points at this test's HOME: ours, and anything they started (agents). */
function ourProcesses(): number[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).filter((pid) => {
    const t = procText(pid);
    return t !== undefined && t.includes(`HOME=${dir}\u0000`) && pid !== process.pid;
  });
}

/** Runs stv, reading /proc of it and of every process carrying our HOME every few ms until it exits. */
async function run(label: string, args: string[], o: { input?: string; fd3?: string; debug?: boolean; mayShowEntries?: boolean; expect?: number; env?: NodeJS.ProcessEnv } = {}) {
  let fd: number | undefined;
  if (o.fd3 !== undefined) {
    const f = join(dir, 'fd3.txt');
    writeFileSync(f, o.fd3, { mode: 0o600 });
    fd = openSync(f, 'r');
  }
  // A non-zero core limit to start with (prlimit execs node in place), so the agent's 0 is stv's doing.
  const child = spawn('prlimit', ['--core=4096:4096', '--', process.execPath, STV, ...args], {
    env: o.debug ? { ...(o.env ?? env), STV_DEBUG: '1' } : (o.env ?? env),
    stdio: ['pipe', 'pipe', 'pipe', ...(fd !== undefined ? [fd] : [])],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdin!.end(o.input ?? '');
  let done = false;
  const exited = new Promise<number | null>((res) => child.on('close', (code) => { done = true; res(code); }));
  for (let tick = 0; !done; tick++) {
    // The child every few ms; every process of this HOME (agents it started) every 60 ms, as that scan reads all of /proc.
    for (const pid of [child.pid!, ...(tick % 20 === 0 ? ourProcesses() : [])]) {
      const t = procText(pid);
      if (t) {
        watchedPids.add(pid);
        seen.push({ label: `${label} pid ${pid}`, text: t });
      }
    }
    await new Promise((r) => setTimeout(r, 3));
  }
  const code = await exited;
  if (fd !== undefined) closeSync(fd);
  outputs.push({ label, stdout, stderr, mayShowEntries: o.mayShowEntries ?? false });
  expect(code, `${label}: ${stderr}`).toBe(o.expect ?? 0);
  return { stdout, stderr };
}

const V = () => ['--vault', vault];

describe('secret hygiene', () => {
  test('a scenario through every secret-touching subcommand, then no test password in any output, argv or environment', async () => {
    const pwFile = join(dir, 'master.txt');
    writeFileSync(pwFile, `${MASTER}\n`, { mode: 0o600 });
    await run('init', ['--no-agent', ...V(), 'init', '--kdf-iterations', '1', '--kdf-memory', '8'], { input: `${MASTER}\n` });
    await run('config add-vault', ['config', 'add-vault', 'stick', vault]);
    await run('add -p (stdin, --password-fd 0)', ['--no-agent', ...V(), '--password-fd', '0', 'add', 'Bank', '-u', 'fred', '-p'], { input: `${MASTER}\n${ENTRY[0]}\n` });
    await run('edit -p (--password-fd)', ['--no-agent', ...V(), '--password-fd', '3', 'edit', 'Bank', '-p'], { fd3: `${MASTER}\n`, input: `${ENTRY[1]}\n` });
    await run('edit --protected-field (stdin, --password-fd 0)', ['--no-agent', ...V(), '--password-fd', '0', 'edit', 'Bank', '--protected-field', 'PIN'], { input: `${MASTER}\n${ENTRY[2]}\n`, debug: true });
    const shown = await run('show -s (--password-file)', ['--no-agent', ...V(), '--password-file', pwFile, 'show', '-s', 'Bank'], { mayShowEntries: true });
    expect(shown.stdout).toContain(ENTRY[1]); // the scenario really handled the secrets it then looks for
    expect(shown.stdout).toContain(ENTRY[2]);
    await run('show -s, debug', ['--no-agent', ...V(), 'show', '-s', 'Bank'], { input: `${MASTER}\n`, debug: true, mayShowEntries: true });
    await run('export', ['--no-agent', ...V(), 'export', '--format', 'xml'], { input: `${MASTER}\n`, mayShowEntries: true });

    const other = join(dir, 'stick', 'other.kdbx');
    await run('init other', ['--no-agent', '--vault', other, 'init', '--kdf-iterations', '1', '--kdf-memory', '8'], { input: `${MASTER}\n` });
    await run('add other', ['--no-agent', '--vault', other, '--password-fd', '0', 'add', 'Mail', '-p'], { input: `${MASTER}\n${ENTRY[2]}\n` });
    await run('merge -s', ['--no-agent', ...V(), 'merge', '-s', other], { input: `${MASTER}\n`, debug: true });

    const csv = join(dir, 'import.csv');
    writeFileSync(csv, `"Group","Title","Username","Password","URL","Notes"\n"Root","Shop","sam","${ENTRY[3]}","https://shop.example",""\n`, { mode: 0o600 });
    await run('import csv', ['--no-agent', ...V(), 'import', csv], { input: `${MASTER}\n`, debug: true });
    const kdb = join(dir, 'old.kdb');
    writeFileSync(kdb, makeKdb({ password: Buffer.from(KDB_PW), groups: [{ id: 1, name: 'Old', level: 0 }], entries: [{ groupId: 1, title: 'Legacy', password: 'legacy-pw' }] }));
    await run('import kdb', ['--no-agent', ...V(), '--password-fd', '0', 'import', kdb], { input: `${MASTER}\n${KDB_PW}\n`, debug: true });
    await run('import kdb, wrong kdb password', ['--no-agent', ...V(), '--password-fd', '0', 'import', kdb], { input: `${MASTER}\n${WRONG}\n`, debug: true, expect: 3 });

    // An SSH key encrypted with SSH_PASS, attached by keepassxc-cli as KeePassXC users attach theirs.
    const key = join(dir, 'id_hyg');
    expect(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', SSH_PASS, '-f', key]).status).toBe(0);
    await run('add SSH entry -p', ['--no-agent', ...V(), '--password-fd', '0', 'add', 'SSH', '-p'], { input: `${MASTER}\n${SSH_PASS}\n` });
    expect(keepassxc(['attachment-import', '-q', vault, 'SSH', 'id_ed25519', key], `${MASTER}\n`).status).toBe(0);

    // Failing runs, with and without STV_DEBUG's stack traces.
    await run('ls, wrong password', ['--no-agent', ...V(), 'ls'], { input: `${WRONG}\n`, expect: 3 });
    await run('edit, wrong password, debug', ['--no-agent', ...V(), '--password-fd', '0', 'edit', 'Bank', '-p'], { input: `${WRONG}\n${ENTRY[0]}\n`, debug: true, expect: 3 });
    await run('show, missing entry, debug', ['--no-agent', ...V(), 'show', '-s', 'Nope'], { input: `${MASTER}\n`, debug: true, expect: 4 });
    await run('bad --password-fd, debug', [...V(), '--password-fd', '9', 'ls'], { debug: true, expect: 2 });

    // The agent: unlock, use it, generate with it, lock.
    await run('unlock', [...V(), 'unlock', '--timeout', '120'], { input: `${MASTER}\n`, debug: true });
    const agents = ourProcesses();
    expect(agents.length, 'an agent runs after unlock').toBeGreaterThan(0);
    for (const pid of agents) expect(readFileSync(`/proc/${pid}/limits`, 'utf8'), 'the agent cannot dump core').toMatch(/^Max core file size\s+0\s+0\s/m);
    await run('show -a password via agent', [...V(), 'show', '-a', 'password', 'Bank'], { debug: true, mayShowEntries: true });
    await run('add -p via agent', [...V(), 'add', 'Via agent', '-p'], { input: `${ENTRY[0]}\n`, debug: true });
    await run('gen', [...V(), 'gen']);
    await run('gen --words, debug', [...V(), 'gen', '--words', '5'], { debug: true });
    await runIntegrations();
    await runAgentPermissionCheck();
    await run('lock', [...V(), 'lock']);

    await run('passwd', ['--no-agent', ...V(), '--password-fd', '0', 'passwd', '--kdf-iterations', '1', '--kdf-memory', '8'], { input: `${MASTER}\n${MASTER2}\n${MASTER2}\n`, debug: true });
    await run('ls with the new password', ['--no-agent', ...V(), 'ls'], { input: `${MASTER2}\n` });
    await run('ls with the old password', ['--no-agent', ...V(), 'ls'], { input: `${MASTER}\n`, debug: true, expect: 3 });

    expect(watchedPids.size).toBeGreaterThan(outputs.length - 1);
    for (const { label, text } of seen) {
      for (const s of [...MASTERS, ...ENTRY]) expect(text.includes(s), `${s} in argv/environ of ${label}`).toBe(false);
    }
    for (const o of outputs) {
      for (const s of MASTERS) {
        expect(o.stdout.includes(s), `${s} on stdout of ${o.label}`).toBe(false);
        expect(o.stderr.includes(s), `${s} on stderr of ${o.label}`).toBe(false);
      }
      for (const s of ENTRY) {
        expect(o.stderr.includes(s), `${s} on stderr of ${o.label}`).toBe(false);
        if (!o.mayShowEntries) expect(o.stdout.includes(s), `${s} on stdout of ${o.label}`).toBe(false);
      }
    }
  }, 300_000); // ~25 commands, each a Node start and a KDF: a minute on a busy 2-core machine

  // Both entries: the installed launcher starts prlimit at once without waiting; the bundle runs it when it reads the password.
  test.each([['the bundle', STV], ['the installed launcher', join(STV, '..', 'stv.cjs')]])('a command reading the master password has a core-dump limit of 0 before it reads it (%s)', async (_how, entry) => {
    // Started with a non-zero limit (prlimit execs node in place, same pid), so only stv itself can lower it.
    const child = spawn('prlimit', ['--core=4096:4096', '--', process.execPath, entry, '--no-agent', ...V(), 'ls'], { env, stdio: ['pipe', 'ignore', 'pipe'] });
    const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
    let limits = '';
    const deadline = Date.now() + 30_000;
    // The password is withheld until the limit shows, so the process is necessarily still waiting for it.
    while (!/^Max core file size\s+0\s+0\s/m.test(limits) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
      try { limits = readFileSync(`/proc/${child.pid}/limits`, 'utf8'); } catch { /* not yet */ }
    }
    child.stdin!.end(`${MASTER2}\n`);
    expect(await exited).toBe(0);
    expect(limits).toMatch(/^Max core file size\s+0\s+0\s/m);
  });

  test('everything stv created is 0600 (files, sockets) in 0700 directories: vault, .bak, config, runtime dir, agent socket', () => {
    // The scenario above created these; the test itself made only HOME, the .txt/.csv/.kdb inputs.
    const mine = new Set(['master.txt', 'fd3.txt', 'import.csv', 'old.kdb', 'id_hyg', 'id_hyg.pub', 'pwned.txt', 'picked.txt']);
    const bad: string[] = [];
    const kinds = new Set<string>();
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        const st = lstatSync(p);
        // xsel (the clipboard tool pick's copy runs) keeps its log in ~/.cache, which it makes 0750: not stv's.
        if (name === '.cache' && readdirSync(p).every((n) => n === 'xsel.log')) continue;
        if (st.isDirectory()) {
          if ((st.mode & 0o777) !== 0o700) bad.push(`${p} ${(st.mode & 0o777).toString(8)}`);
          walk(p);
        } else if (!mine.has(name)) {
          kinds.add(name.replace(/\..*/, '') || name);
          if ((st.mode & 0o077) !== 0) bad.push(`${p} ${(st.mode & 0o777).toString(8)}`);
        }
      }
    };
    walk(dir);
    expect(bad).toEqual([]);
    const all = listAll(dir).map((p) => p.slice(dir.length + 1));
    expect(all).toEqual(expect.arrayContaining(['stick/v.kdbx', 'stick/v.kdbx.bak']));
    expect(all.some((p) => p.startsWith('config/stickvault/')), all.join(' ')).toBe(true);
  });
});

/**
 * The integrations, through the agent: git's credential protocol on stdin, exec's files and stdin
 * (the command it runs is watched too), ssh-add to a real ssh-agent, totp set, audit against a
 * breach file and a local range API, and pick with a picker command under Xvfb.
 */
async function runIntegrations(): Promise<void> {
  const cred = (extra: string) => `protocol=https\nhost=forge.example\n${extra}\n`;
  await run('git-credential store', [...V(), 'git-credential', 'store'], { input: cred(`username=fred\npassword=${GIT_PW}\n`) });
  const got = await run('git-credential get', [...V(), 'git-credential', 'get'], { input: cred(''), debug: true, mayShowEntries: true });
  expect(got.stdout).toBe(`username=fred\npassword=${GIT_PW}\n`);
  await run('git-credential store, changed password', [...V(), 'git-credential', 'store'], { input: cred(`username=fred\npassword=${GIT_PW2}\n`), debug: true });
  await run('git-credential erase', [...V(), 'git-credential', 'erase'], { input: cred(`username=fred\npassword=${GIT_PW2}\n`), debug: true });
  // Locked, no terminal: git's stdin (here with a password line in it) is never taken for the master password.
  const quiet = await run('git-credential get, locked, debug', ['--no-agent', ...V(), 'git-credential', 'get'], { input: cred(`password=${GIT_PW}\n`), debug: true });
  expect(quiet.stdout + quiet.stderr).toBe('');

  // The command exec runs is watched like stv itself (it carries our HOME): its argv and environment hold paths only.
  const counted = await run('exec --file', [...V(), 'exec', '-f', 'DB=Bank', '-f', 'OTHER=Via agent', '--', 'sh', '-c', 'sleep 0.5; wc -c < "$DB_FILE"'], { debug: true });
  expect(Number(counted.stdout.trim())).toBe(ENTRY[1].length);
  await run('exec --stdin', [...V(), 'exec', '--stdin', 'Bank', '--', 'sh', '-c', 'sleep 0.5; wc -c'], { debug: true });
  expect(seen.some((x) => x.label.startsWith('exec --file') && x.text.includes('DB_FILE=/')), 'the command exec ran was watched').toBe(true);

  const sshAgent = spawn('ssh-agent', ['-D', '-a', join(dir, 'ssh-agent.sock')], { env, stdio: 'ignore' });
  try {
    for (let i = 0; i < 100 && spawnSync('ssh-add', ['-l'], { env }).status !== 1; i++) await new Promise((r) => setTimeout(r, 50));
    await run('ssh-add', [...V(), 'ssh-add', 'SSH'], { debug: true });
    expect(spawnSync('ssh-add', ['-l'], { env, encoding: 'utf8' }).stdout).toContain('ED25519');
    await run('ssh-add --list', [...V(), 'ssh-add', '--list']);
    await run('ssh-add -d', [...V(), 'ssh-add', '-d']);
  } finally {
    sshAgent.kill();
  }

  await run('totp set (stdin)', [...V(), 'totp', 'set', 'Bank'], { input: `${TOTP_SECRET}\n`, debug: true });
  await run('totp --json', [...V(), '--json', 'totp', 'Bank']);

  const sha1 = createHash('sha1').update(ENTRY[1]).digest('hex').toUpperCase();
  const pwned = join(dir, 'pwned.txt');
  writeHibpFile(pwned, { lines: 20_000, include: new Map([[sha1, 7]]) });
  await run('audit --hibp', [...V(), 'audit', '-v', '--hibp', pwned], { debug: true, expect: 1 });
  const range = createServer((req, res) => res.end(req.url === `/range/${sha1.slice(0, 5)}` ? `${sha1.slice(5)}:7\r\n` : ''));
  await new Promise<void>((r) => range.listen(0, '127.0.0.1', () => r()));
  try {
    await run('audit --hibp-online', [...V(), '--json', 'audit', '--hibp-online', '--hibp-url', `http://127.0.0.1:${(range.address() as AddressInfo).port}/range/`], { debug: true, expect: 1 });
  } finally {
    range.close();
  }

  // pick under Xvfb: the picker command (sh and grep, watched as they carry our HOME) reads paths on stdin.
  const xvfb = spawn('Xvfb', ['-displayfd', '1', '-nolisten', 'tcp'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const display = await new Promise<string>((resolve) => xvfb.stdout!.on('data', (c) => resolve(`:${String(c).trim()}`)));
    const xenv = { ...env, DISPLAY: display };
    const picked = join(dir, 'picked.txt');
    await run('pick', [...V(), 'pick', '--picker', `sleep 0.5; tee ${picked} | grep -m1 Bank`], { env: xenv, debug: true });
    expect(readFileSync(picked, 'utf8')).toContain('Bank\n');
    expect(seen.some((x) => x.label.startsWith('pick') && x.text.includes(`tee ${picked}`)), 'the picker was watched').toBe(true);
    await run('clip --clear', ['clip', '--clear'], { env: xenv });
  } finally {
    xvfb.kill();
  }
}

function listAll(d: string): string[] {
  return readdirSync(d).flatMap((n) => {
    const p = join(d, n);
    return lstatSync(p).isDirectory() ? [p, ...listAll(p)] : [p];
  });
}

/** While the agent runs: its socket is 0600 in a 0700 directory, and a process running as nobody gets EACCES. */
async function runAgentPermissionCheck(): Promise<void> {
  const sockets = listAll(join(dir, 'run')).filter((p) => lstatSync(p).isSocket());
  expect(sockets.length, 'the agent socket').toBeGreaterThan(0);
  for (const s of sockets) expect(lstatSync(s).mode & 0o777).toBe(0o600);
  if (process.getuid?.() !== 0) {
    console.warn('[hygiene] not root: cannot run a process as another user; the socket modes above are the check');
    return;
  }
  const nobody = spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' });
  const uid = Number(nobody.stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).stdout.trim());
  const probe = `const s = require('node:net').connect(process.argv[1]);
s.on('connect', () => { console.log('CONNECTED'); process.exit(0); });
s.on('error', (e) => { console.log(e.code); process.exit(0); });`;
  for (const s of sockets) {
    const r = spawnSync(process.execPath, ['-e', probe, s], { uid, gid, encoding: 'utf8', cwd: '/' });
    expect(r.stdout.trim(), `${s} as nobody: ${r.stderr}`).toBe('EACCES');
    // The same probe as ourselves connects, so EACCES above is the permission, not a broken probe.
    expect(spawnSync(process.execPath, ['-e', probe, s], { encoding: 'utf8' }).stdout.trim()).toBe('CONNECTED');
  }
}
