/**
 * Issue 23's "done when": one vault whose local copy is a git clone, synced
 * with a stick, a folder a sync tool keeps (with a Syncthing and a Nextcloud
 * conflict copy beside it) and an rclone SFTP remote (real `rclone serve sftp`
 * on 127.0.0.1), each edited on its own, ends identical everywhere after one
 * sync with every edit kept; committed and pushed, another clone gets the
 * same bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { run, tempDir } from '../helpers/tools.js';
import { until } from '../helpers/wait.js';
import { Vault, Entry, sha256Hex, type DerivedKey } from '../../src/vault/index.js';
import { runSync, ensureVaultId, addReplica, findSticks } from '../../src/sync/index.js';
import { newStick, writeStick } from '../../src/sync/sticks.js';

let dir: string;
let cleanup: () => void;
let server: ChildProcess | undefined;
const saved = { state: process.env.XDG_STATE_HOME, config: process.env.RCLONE_CONFIG };

beforeAll(() => {
  if (spawnSync('sh', ['-c', 'command -v rclone']).status !== 0) throw new Error("rclone is missing: install the Debian package 'rclone' (npm test installs it when run as root)");
  ({ dir, cleanup } = tempDir('stv-all-replicas-'));
  process.env.XDG_STATE_HOME = join(dir, 'state');
  process.env.RCLONE_CONFIG = join(dir, 'rclone.conf');
});
afterAll(async () => {
  if (server && server.exitCode === null) {
    server.kill('SIGKILL');
    await new Promise((r) => server!.once('exit', r));
  }
  for (const [k, v] of [['XDG_STATE_HOME', saved.state], ['RCLONE_CONFIG', saved.config]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  cleanup();
});

async function edited(bytes: Uint8Array, key: DerivedKey, title: string): Promise<Buffer> {
  const v = await Vault.open(bytes, key);
  v.db.root.addEntry(new Entry()).set('Title', title);
  const out = Buffer.from(v.toBytes());
  v.close();
  return out;
}

describe('every kind of copy at once', () => {
  it('a git clone, a stick, a folder with two conflict copies and an SFTP remote end identical with every edit kept', async () => {
    // The SFTP server and the rclone remote that reaches it.
    const srv = join(dir, 'srv');
    mkdirSync(srv);
    server = spawn('rclone', ['serve', 'sftp', srv, '--addr', '127.0.0.1:0', '--no-auth'], { env: { ...process.env, HOME: dir }, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    server.stderr!.on('data', (c) => (log += c));
    const port = () => /listening on 127\.0\.0\.1:(\d+)/i.exec(log)?.[1];
    expect(await until(() => port() !== undefined, 30_000), log).toBe(true);
    const obscured = spawnSync('rclone', ['obscure', 'unused'], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(process.env.RCLONE_CONFIG!, `[nas]\ntype = sftp\nhost = 127.0.0.1\nport = ${port()}\nuser = t\npass = ${obscured}\nknown_hosts_file =\n`, { mode: 0o600 });

    const vault = await Vault.create('P', { password: Buffer.from('pw') }, {
      cipher: 'chacha20', compressed: true,
      kdf: { type: 'argon2id', salt: randomBytes(32), iterations: 1n, memoryBytes: 8n * 1024n * 1024n, parallelism: 1, version: 0x13 },
    });
    vault.db.root.addEntry(new Entry()).set('Title', 'E0');
    const { id } = ensureVaultId(vault.db);
    const key = vault.derivedKey();
    const bytes = Buffer.from(vault.toBytes());
    vault.close();

    // The local copy is a git clone of the vault's repository.
    const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.org', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.org', GIT_CONFIG_NOSYSTEM: '1', HOME: dir };
    const git = (cwd: string, args: string[]) => {
      const r = run('git', args, { cwd, env });
      if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    git(dir, ['init', '-q', '--bare', '-b', 'main', 'origin.git']);
    git(dir, ['clone', '-q', 'origin.git', 'clone1']);
    const local = join(dir, 'clone1', 'personal.kdbx');
    writeFileSync(local, bytes);
    git(join(dir, 'clone1'), ['add', 'personal.kdbx']);
    git(join(dir, 'clone1'), ['commit', '-q', '-m', 'vault']);

    // A stick, a folder, the remote: all at the starting version.
    const stick = join(dir, 'stick');
    mkdirSync(stick);
    writeStick(stick, { ...newStick('white'), vaults: { [id]: { file: 'personal.kdbx' } } });
    writeFileSync(join(stick, 'personal.kdbx'), bytes);
    const folder = join(dir, 'Sync');
    mkdirSync(folder);
    writeFileSync(join(folder, 'personal.kdbx'), bytes);
    addReplica({ location: folder, vaultId: id, defaultFile: 'personal.kdbx' });
    addReplica({ location: 'rclone:nas:v/personal.kdbx', vaultId: id, defaultFile: 'personal.kdbx' });
    expect(spawnSync('rclone', ['rcat', 'nas:v/personal.kdbx'], { input: bytes }).status).toBe(0);

    // Each copy edited on its own, and two conflict copies beside the folder's.
    writeFileSync(local, await edited(bytes, key, 'Laptop'));
    writeFileSync(join(stick, 'personal.kdbx'), await edited(bytes, key, 'Stick'));
    writeFileSync(join(folder, 'personal.kdbx'), await edited(bytes, key, 'Folder'));
    writeFileSync(join(folder, 'personal.sync-conflict-20260301-101500-PHONE12.kdbx'), await edited(bytes, key, 'Phone'));
    writeFileSync(join(folder, 'personal (conflicted copy 2026-03-01 101500).kdbx'), await edited(bytes, key, 'Tablet'));
    expect(spawnSync('rclone', ['rcat', 'nas:v/personal.kdbx'], { input: await edited(bytes, key, 'Nas') }).status).toBe(0);

    const r = await runSync({ vaultId: id, local: { path: local }, sticks: findSticks([stick], []), open: (b) => Vault.open(b, key) });
    expect(r.needsLook, JSON.stringify(r.copies)).toBe(false);
    expect(r.copies.map((c) => c.kind).sort()).toEqual(['conflict', 'conflict', 'folder', 'local', 'rclone', 'stick']);
    const result = readFileSync(local);
    for (const p of [join(stick, 'personal.kdbx'), join(folder, 'personal.kdbx'), join(srv, 'v', 'personal.kdbx')]) expect(sha256Hex(readFileSync(p)), p).toBe(sha256Hex(result));
    const v = await Vault.open(result, key);
    expect([...v.db.entries()].map((e) => e.title).sort()).toEqual(['E0', 'Folder', 'Laptop', 'Nas', 'Phone', 'Stick', 'Tablet']);
    v.close();
    expect(existsSync(join(folder, 'personal.sync-conflict-20260301-101500-PHONE12.kdbx'))).toBe(false);

    // Idempotent with every kind of copy in the set: a second sync finds them identical and writes nothing.
    const again = await runSync({ vaultId: id, local: { path: local }, sticks: findSticks([stick], []), open: (b) => Vault.open(b, key) });
    expect(again.mode, JSON.stringify(again.copies)).toBe('identical');
    expect(again.copies.every((c) => c.status === 'unchanged'), JSON.stringify(again.copies)).toBe(true);
    expect(again.copies.map((c) => c.kind).sort()).toEqual(['folder', 'local', 'rclone', 'stick']);

    // The clone commits the result; another clone gets the same bytes.
    git(join(dir, 'clone1'), ['commit', '-q', '-am', 'synced']);
    git(join(dir, 'clone1'), ['push', '-q', 'origin', 'main']);
    git(dir, ['clone', '-q', 'origin.git', 'clone2']);
    expect(sha256Hex(readFileSync(join(dir, 'clone2', 'personal.kdbx')))).toBe(sha256Hex(result));
  }, 120_000);
});
