/**
 * rclone remotes as copies (issue 23), against real `rclone serve sftp` and
 * `rclone serve webdav` on 127.0.0.1: the first sync creates the remote
 * copies; edits on a remote and locally merge with every edit kept, every
 * copy (local, folder, SFTP, WebDAV) ending byte-identical; a server stopped
 * in the middle of a sync fails only its copy while the others converge and
 * its file stays whole (no half-written file, no temp at its name), and the
 * next sync after it is back catches it up; without rclone on PATH that copy
 * fails with the install hint and the others still sync; `stv replica add
 * rclone:…` works from the CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isolatedEnv, stv, tempDir } from '../helpers/tools.js';
import { until } from '../helpers/wait.js';
import { Vault, Entry, sha256Hex, type DerivedKey } from '../../src/vault/index.js';
import { runSync, ensureVaultId, addReplica } from '../../src/sync/index.js';

let dir: string;
let cleanup: () => void;
const saved = { state: process.env.XDG_STATE_HOME, config: process.env.RCLONE_CONFIG, home: process.env.HOME, path: process.env.PATH };
const servers: Record<string, { child: ChildProcess; root: string; port: number }> = {};

/** Starts `rclone serve KIND ROOT` on 127.0.0.1 (a free port chosen by rclone) and returns once it listens. */
async function serve(kind: 'sftp' | 'webdav', root: string, port = 0): Promise<{ child: ChildProcess; root: string; port: number }> {
  mkdirSync(root, { recursive: true });
  const child = spawn('rclone', ['serve', kind, root, '--addr', `127.0.0.1:${port}`, ...(kind === 'sftp' ? ['--no-auth'] : [])], { env: { ...process.env, HOME: dir }, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (c) => (log += c));
  const listening = () => /127\.0\.0\.1:(\d+)/.exec(log.split('\n').filter((l) => /listening|started/i.test(l)).join('\n'));
  if (!(await until(() => listening() !== null || child.exitCode !== null, 30_000))) throw new Error(`rclone serve ${kind} did not start: ${log}`);
  const m = listening();
  if (!m) throw new Error(`rclone serve ${kind} exited: ${log}`);
  return { child, root, port: Number(m[1]) };
}

async function stop(name: string): Promise<void> {
  const s = servers[name];
  if (s.child.exitCode !== null) return;
  s.child.kill('SIGKILL');
  await new Promise((r) => s.child.once('exit', r));
}

function writeRcloneConfig(): void {
  const obscured = spawnSync('rclone', ['obscure', 'unused'], { encoding: 'utf8' }).stdout.trim();
  writeFileSync(process.env.RCLONE_CONFIG!, [
    '[nas]', 'type = sftp', 'host = 127.0.0.1', `port = ${servers.sftp.port}`, 'user = t', `pass = ${obscured}`, 'known_hosts_file =', '',
    '[dav]', 'type = webdav', `url = http://127.0.0.1:${servers.webdav.port}/`, 'vendor = other', '',
  ].join('\n'), { mode: 0o600 });
}

beforeAll(async () => {
  if (spawnSync('sh', ['-c', 'command -v rclone']).status !== 0) throw new Error("rclone is missing: install the Debian package 'rclone' (npm test installs it when run as root)");
  ({ dir, cleanup } = tempDir('stv-rclone-'));
  process.env.XDG_STATE_HOME = join(dir, 'state');
  process.env.RCLONE_CONFIG = join(dir, 'rclone.conf');
  servers.sftp = await serve('sftp', join(dir, 'srv-sftp'));
  servers.webdav = await serve('webdav', join(dir, 'srv-webdav'));
  writeRcloneConfig();
}, 60_000);
afterAll(async () => {
  for (const name of Object.keys(servers)) await stop(name);
  for (const [k, v] of [['XDG_STATE_HOME', saved.state], ['RCLONE_CONFIG', saved.config], ['PATH', saved.path]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  cleanup();
});

async function newVault(): Promise<{ bytes: Buffer; id: string; key: DerivedKey }> {
  const vault = await Vault.create('P', { password: Buffer.from('pw') }, {
    cipher: 'chacha20', compressed: true,
    kdf: { type: 'argon2id', salt: randomBytes(32), iterations: 1n, memoryBytes: 8n * 1024n * 1024n, parallelism: 1, version: 0x13 },
  });
  vault.db.root.addEntry(new Entry()).set('Title', 'E0');
  const { id } = ensureVaultId(vault.db);
  const key = vault.derivedKey();
  const bytes = Buffer.from(vault.toBytes());
  vault.close();
  return { bytes, id, key };
}

async function withEntry(bytes: Uint8Array, key: DerivedKey, title: string): Promise<Buffer> {
  const v = await Vault.open(bytes, key);
  v.db.root.addEntry(new Entry()).set('Title', title);
  const out = Buffer.from(v.toBytes());
  v.close();
  return out;
}

async function titles(bytes: Uint8Array, key: DerivedKey): Promise<string[]> {
  const v = await Vault.open(bytes, key);
  try {
    return [...v.db.entries()].map((e) => e.title).sort();
  } finally {
    v.close();
  }
}

describe('rclone remotes', () => {
  let vault: Awaited<ReturnType<typeof newVault>>;
  let local: string;
  const onSftp = () => join(servers.sftp.root, 'vaults', 'personal.kdbx');
  const onDav = () => join(servers.webdav.root, 'personal.kdbx');
  const sync = (o: { onProgress?: (what: string) => void } = {}) => runSync({ vaultId: vault.id, local: { path: local }, sticks: [], open: (b) => Vault.open(b, vault.key), ...o });

  beforeAll(async () => {
    vault = await newVault();
    local = join(dir, 'laptop', 'personal.kdbx');
    mkdirSync(join(dir, 'laptop'), { recursive: true });
    mkdirSync(join(dir, 'Sync'), { recursive: true });
    writeFileSync(local, vault.bytes);
    addReplica({ location: 'rclone:nas:vaults/personal.kdbx', vaultId: vault.id, defaultFile: 'personal.kdbx' });
    addReplica({ location: 'rclone:dav:personal.kdbx', vaultId: vault.id, defaultFile: 'personal.kdbx' });
    addReplica({ location: join(dir, 'Sync'), vaultId: vault.id, defaultFile: 'personal.kdbx' });
  });

  it('the first sync creates the copy on each remote; an edit on a remote and one here merge, every copy identical', async () => {
    const first = await sync();
    expect(first.copies.map((c) => [c.kind, c.status, c.detail]).map(([k, s, d]) => (d ? [k, s, d] : [k, s]))).toEqual([['local', 'unchanged'], ['rclone', 'created'], ['rclone', 'created'], ['folder', 'created']]);
    expect(readFileSync(onSftp()).equals(vault.bytes)).toBe(true);
    expect(readFileSync(onDav()).equals(vault.bytes)).toBe(true);
    // Another device edits the SFTP copy (through the server, as it would); this machine edits its own.
    const theirs = await withEntry(spawnSync('rclone', ['cat', 'nas:vaults/personal.kdbx']).stdout, vault.key, 'FromNas');
    expect(spawnSync('rclone', ['rcat', 'nas:vaults/personal.kdbx'], { input: theirs }).status).toBe(0);
    writeFileSync(local, await withEntry(readFileSync(local), vault.key, 'FromLaptop'));
    const r = await sync();
    expect(r.mode).toBe('merge');
    expect(r.needsLook, JSON.stringify(r.copies)).toBe(false);
    const result = readFileSync(local);
    for (const p of [onSftp(), onDav(), join(dir, 'Sync', 'personal.kdbx')]) expect(sha256Hex(readFileSync(p))).toBe(sha256Hex(result));
    expect(await titles(result, vault.key)).toEqual(['E0', 'FromLaptop', 'FromNas']);
    // The sidecar lies beside the file on the remote; the replaced version is kept as a generation there.
    expect(existsSync(join(servers.sftp.root, 'vaults', '.stickvault', `${vault.id}.state.json`))).toBe(true);
    expect(readdirSync(join(servers.sftp.root, 'vaults', '.stickvault', 'backups', vault.id)).length).toBeGreaterThan(0);
    const again = await sync();
    expect(again.mode).toBe('identical');
  }, 120_000);

  it('a server stopped in the middle of a sync fails only its copy, leaves its file whole, and the next sync catches it up', async () => {
    const before = readFileSync(onSftp());
    writeFileSync(local, await withEntry(readFileSync(local), vault.key, 'WhileDown'));
    // Every copy has been read; the SFTP server dies just before its copy is written.
    const r = await sync({ onProgress: (what) => (what.startsWith('rclone:nas') && servers.sftp.child.kill('SIGKILL')) });
    const nas = r.copies.find((c) => c.label === 'rclone:nas')!;
    expect(nas.status).toBe('failed');
    expect(nas.detail).toMatch(/the remote file is as it was|cannot be read/);
    expect(r.copies.filter((c) => c.label !== 'rclone:nas').every((c) => c.status !== 'failed')).toBe(true);
    expect(sha256Hex(readFileSync(onDav()))).toBe(sha256Hex(readFileSync(local)));
    expect(readFileSync(onSftp()).equals(before)).toBe(true);
    expect(readdirSync(join(servers.sftp.root, 'vaults')).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    // Back on the same port: the next sync brings it up to date.
    await new Promise((res) => servers.sftp.child.once('exit', res));
    servers.sftp = await serve('sftp', servers.sftp.root, servers.sftp.port);
    const next = await sync();
    expect(next.copies.find((c) => c.label === 'rclone:nas')!.status).toBe('updated');
    expect(sha256Hex(readFileSync(onSftp()))).toBe(sha256Hex(readFileSync(local)));
    expect(await titles(readFileSync(onSftp()), vault.key)).toContain('WhileDown');
  }, 120_000);

  it('without rclone on PATH the remote copies fail with the install hint and the others still sync', async () => {
    writeFileSync(local, await withEntry(readFileSync(local), vault.key, 'NoRclone'));
    process.env.PATH = '/nonexistent';
    try {
      const r = await sync();
      for (const c of r.copies.filter((x) => x.kind === 'rclone')) {
        expect(c.status).toBe('failed');
        expect(c.detail).toMatch(/rclone is not installed.*apt install rclone/);
      }
      expect(sha256Hex(readFileSync(join(dir, 'Sync', 'personal.kdbx')))).toBe(sha256Hex(readFileSync(local)));
    } finally {
      process.env.PATH = saved.path;
    }
  }, 60_000);

  it('stv replica add rclone:REMOTE:PATH from the CLI puts the vault there and replica ls lists it', () => {
    const home = join(dir, 'cli');
    const env = { ...isolatedEnv(home), RCLONE_CONFIG: process.env.RCLONE_CONFIG! };
    const pw = join(home, 'pw');
    mkdirSync(join(home, 'config', 'stickvault'), { recursive: true });
    writeFileSync(pw, 'a strong test password 9931\n', { mode: 0o600 });
    writeFileSync(join(home, 'config', 'stickvault', 'config.json'), JSON.stringify({ defaultVault: 'work', vaults: { work: { path: join(home, 'work.kdbx') } } }));
    const run = (args: string[]) => stv(['--no-agent', '--password-file', pw, ...args], { env, input: '', cwd: home });
    expect(run(['init', '--kdf-iterations', '2', '--kdf-memory', '8']).status).toBe(0);
    const add = run(['replica', 'add', 'rclone:dav:cli/work.kdbx']);
    expect(add.status, add.stderr).toBe(0);
    expect(readFileSync(join(servers.webdav.root, 'cli', 'work.kdbx')).equals(readFileSync(join(home, 'work.kdbx')))).toBe(true);
    expect(run(['replica', 'ls']).stdout).toMatch(/rclone {2}rclone:dav {2}rclone:dav:cli\/work\.kdbx {2}current/);
    const bad = run(['replica', 'add', 'rclone:--config=/tmp/x:a.kdbx']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^stv: .*is not an rclone location/);
  }, 60_000);
});
