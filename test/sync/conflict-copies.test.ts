/**
 * Conflict copies and folder replicas (issue 23): the names each file-sync
 * tool gives a conflict copy; a sync that merges every conflict copy beside
 * a copy (same key, one n-way step), moves it to .stickvault/merged-conflicts/
 * only after the copy beside it holds the result, and leaves another vault,
 * a damaged file or a link where it is; and a randomized check that a vault
 * with a folder replica and conflict copies beside both ends identical
 * everywhere with every edit kept, whichever copy is the local one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { keepassxc, tempDir } from '../helpers/tools.js';
import { Vault, Entry, type DerivedKey } from '../../src/vault/index.js';
import { runSync, ensureVaultId, addReplica, conflictToolOf } from '../../src/sync/index.js';

let top: string;
let cleanup: () => void;
const savedState = process.env.XDG_STATE_HOME;
beforeAll(() => {
  ({ dir: top, cleanup } = tempDir('stv-conflicts-'));
});
afterAll(() => {
  process.env.XDG_STATE_HOME = savedState;
  cleanup();
});

describe('conflict-copy names', () => {
  const f = 'Passwords.kdbx';
  it.each([
    ['Passwords.sync-conflict-20240301-101500-ABCD123.kdbx', 'syncthing'],
    ['Passwords.sync-conflict-20240301-101500.kdbx', 'syncthing'],
    ['Passwords.sync-conflict-20240301-101500-ABCD123.sync-conflict-20240302-090000-XYZ7890.kdbx', 'syncthing'],
    ['Passwords (conflicted copy 2024-03-01 101500).kdbx', 'nextcloud'],
    ['Passwords (conflicted copy alice 2024-03-01 101500).kdbx', 'nextcloud'],
    ['Passwords_conflict-20240301-101500.kdbx', 'owncloud'],
    ["Passwords (Fred's conflicted copy 2024-03-01).kdbx", 'dropbox'],
    ["Passwords (Fred Smith's conflicted copy 2024-03-01 (1)).kdbx", 'dropbox'],
    ['Passwords (conflicted copy 2024-03-01).kdbx', 'dropbox'],
    ["Passwords (Fred's conflicted copy).kdbx", 'dropbox'],
    ['Passwords (1).kdbx', 'google-drive'],
    ['Passwords (1) (1).kdbx', 'google-drive'],
    ['Passwords-DESKTOP-4F2K9Q1.kdbx', 'onedrive'],
    ['Passwords-laptop-2.kdbx', 'onedrive'],
  ])('%s is a %s conflict copy', (name, tool) => {
    expect(conflictToolOf(f, name)).toBe(tool);
  });
  it.each([
    'Passwords.kdbx', 'Passwords.kdbx.bak', '.Passwords.kdbx.0a1b2c3d4e5f.tmp', 'Passwords-2024.kdbx', 'Other.sync-conflict-20240301-101500-ABCD123.kdbx',
    'Passwords.sync-conflict-20240301-101500-ABCD123.kdbx.tmp', 'Passwords (conflicted copy 2024-03-01 101500).kdb', 'Passwords-this-name-is-far-too-long.kdbx', 'PasswordsX.kdbx',
  ])('%s is not', (name) => {
    expect(conflictToolOf(f, name)).toBeUndefined();
  });
});

const FIELDS = ['UserName', 'Password', 'URL', 'Notes'] as const;

async function newVault(): Promise<{ bytes: Buffer; id: string; key: DerivedKey }> {
  const vault = await Vault.create('P', { password: Buffer.from('pw') }, {
    cipher: 'chacha20', compressed: true,
    kdf: { type: 'argon2id', salt: randomBytes(32), iterations: 1n, memoryBytes: 8n * 1024n * 1024n, parallelism: 1, version: 0x13 },
  });
  vault.db.meta.historyMaxItems = -1;
  for (const t of ['E0', 'E1']) {
    const e = vault.db.root.addEntry(new Entry());
    e.set('Title', t);
    for (const f of FIELDS) e.set(f, `${t}-${f}-0`);
  }
  const { id } = ensureVaultId(vault.db);
  const key = vault.derivedKey();
  const bytes = Buffer.from(vault.toBytes());
  vault.close();
  return { bytes, id, key };
}

/** `bytes` with entry `title` added and `entry`'s `field` set to `value` (another device's edit). */
async function edited(bytes: Buffer, key: DerivedKey, title: string, field: (typeof FIELDS)[number], value: string, entry = 'E0'): Promise<Buffer> {
  const v = await Vault.open(bytes, key);
  v.db.root.addEntry(new Entry()).set('Title', title);
  const e0 = [...v.db.entries()].find((e) => e.title === entry)!;
  v.db.updateEntry(e0, (x) => x.set(field, value));
  const out = Buffer.from(v.toBytes());
  v.close();
  return out;
}

async function contents(bytes: Buffer, key: DerivedKey): Promise<{ titles: string[]; values: Set<string> }> {
  const v = await Vault.open(bytes, key);
  try {
    const titles = [...v.db.entries()].map((e) => e.title).sort();
    const values = new Set<string>();
    for (const e of v.db.entries()) for (const x of [e, ...e.history]) for (const f of FIELDS) values.add(x.get(f) ?? '');
    return { titles, values };
  } finally {
    v.close();
  }
}

function freshState(name: string): string {
  const state = join(top, name, 'state');
  mkdirSync(state, { recursive: true });
  process.env.XDG_STATE_HOME = state;
  return join(top, name);
}

describe('sync with conflict copies and a folder replica', () => {
  it('merges every conflict copy with one key, moves each aside only after the result is written, and converges the folder replica', async () => {
    const dir = freshState('basic');
    const { bytes, id, key } = await newVault();
    const laptop = join(dir, 'Sync');
    const nextcloud = join(dir, 'Nextcloud');
    mkdirSync(laptop, { recursive: true });
    mkdirSync(nextcloud, { recursive: true });
    const local = join(laptop, 'Passwords.kdbx');
    writeFileSync(local, await edited(bytes, key, 'Local', 'URL', 'url-local'));
    const st = join(laptop, 'Passwords.sync-conflict-20240301-101500-ABCD123.kdbx');
    writeFileSync(st, await edited(bytes, key, 'Phone', 'UserName', 'user-phone'));
    const db = join(laptop, "Passwords (Fred's conflicted copy 2024-03-01).kdbx");
    writeFileSync(db, await edited(bytes, key, 'Tablet', 'Notes', 'notes-tablet'));
    writeFileSync(join(nextcloud, 'Passwords.kdbx'), await edited(bytes, key, 'Work', 'Password', 'pw-work'));
    const nc = join(nextcloud, 'Passwords (conflicted copy 2024-03-02 090000).kdbx');
    writeFileSync(nc, await edited(bytes, key, 'Office', 'URL', 'url-office', 'E1'));
    addReplica({ location: nextcloud, vaultId: id, defaultFile: 'Passwords.kdbx' });

    // A dry run says it would merge them and moves nothing.
    const dry = await runSync({ vaultId: id, local: { path: local }, sticks: [], dryRun: true, open: (b) => Vault.open(b, key) });
    expect(dry.copies.filter((c) => c.kind === 'conflict').map((c) => c.status)).toEqual(['merged', 'merged', 'merged']);
    for (const p of [st, db, nc]) expect(existsSync(p)).toBe(true);

    let opens = 0;
    const r = await runSync({ vaultId: id, local: { path: local }, sticks: [], open: (b) => (opens++, Vault.open(b, key)) });
    expect(r.mode).toBe('merge');
    expect(r.needsLook, JSON.stringify(r.copies)).toBe(false);
    expect(opens).toBe(5); // each distinct content once; no base to open (bases are absent on a first sync)
    const byKind = (k: string) => r.copies.filter((c) => c.kind === k);
    expect(byKind('conflict').map((c) => c.status)).toEqual(['merged', 'merged', 'merged']);
    expect(byKind('folder')[0].status).toBe('updated');
    const result = readFileSync(local);
    expect(readFileSync(join(nextcloud, 'Passwords.kdbx')).equals(result)).toBe(true);
    const { titles, values } = await contents(result, key);
    expect(titles).toEqual(['E0', 'E1', 'Local', 'Office', 'Phone', 'Tablet', 'Work']);
    for (const v of ['url-local', 'user-phone', 'notes-tablet', 'pw-work', 'url-office']) expect(values.has(v), v).toBe(true);
    // Moved, not deleted: each conflict copy is in .stickvault/merged-conflicts/ beside where it was, byte for byte.
    for (const p of [st, db, nc]) expect(existsSync(p)).toBe(false);
    expect(readdirSync(join(laptop, '.stickvault', 'merged-conflicts')).sort()).toEqual([
      "Passwords (Fred's conflicted copy 2024-03-01).kdbx", 'Passwords.sync-conflict-20240301-101500-ABCD123.kdbx',
    ]);
    expect(readdirSync(join(nextcloud, '.stickvault', 'merged-conflicts'))).toEqual(['Passwords (conflicted copy 2024-03-02 090000).kdbx']);
    // KeePassXC reads the merged file.
    const kx = keepassxc(['ls', '-R', '-f', local, '/'], 'pw\n');
    expect(kx.stdout).toContain('Phone');
    expect(kx.stdout).toContain('Office');

    // Nothing left to do: no key, nothing written.
    const again = await runSync({ vaultId: id, local: { path: local }, sticks: [], open: () => Promise.reject(new Error('no key needed')) });
    expect(again.mode).toBe('identical');
    expect(again.copies.map((c) => c.status)).toEqual(['unchanged', 'unchanged']);
  });

  it('leaves another vault, a damaged file and a link in place, reports each, and still merges the good one', async () => {
    const dir = freshState('hostile');
    const { bytes, id, key } = await newVault();
    const other = await newVault(); // same password, another vault id
    const laptop = join(dir, 'Sync');
    mkdirSync(laptop, { recursive: true });
    const local = join(laptop, 'Passwords.kdbx');
    writeFileSync(local, bytes);
    const good = join(laptop, 'Passwords.sync-conflict-20240301-101500-GOOD123.kdbx');
    writeFileSync(good, await edited(bytes, key, 'Good', 'URL', 'url-good'));
    const foreign = join(laptop, 'Passwords (1).kdbx');
    writeFileSync(foreign, other.bytes);
    const damaged = join(laptop, 'Passwords (conflicted copy 2024-03-01 101500).kdbx');
    writeFileSync(damaged, bytes.subarray(0, 200));
    const secret = join(dir, 'elsewhere.kdbx');
    writeFileSync(secret, await edited(bytes, key, 'Planted', 'URL', 'url-planted'));
    const link = join(laptop, 'Passwords-DESKTOP-ATTACK1.kdbx');
    symlinkSync(secret, link);
    // A FIFO with no writer: opening it must not hang the sync.
    const fifo = join(laptop, 'Passwords (2).kdbx');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);

    // The password, as the CLI does for a file the agent's key does not fit (another KDF salt).
    const r = await runSync({ vaultId: id, local: { path: local }, sticks: [], open: (b) => Vault.open(b, { password: Buffer.from('pw') }) });
    const status = Object.fromEntries(r.copies.map((c) => [c.path, c]));
    expect(status[good].status).toBe('merged');
    expect(status[foreign].status).toBe('failed');
    expect(status[foreign].detail).toMatch(/another vault/);
    expect(status[damaged].status).toBe('failed');
    expect(status[damaged].detail).toMatch(/damaged/);
    expect(status[link].status).toBe('failed');
    expect(status[fifo].status).toBe('failed');
    expect(status[fifo].detail).toMatch(/FIFO/);
    expect(r.needsLook).toBe(true);
    for (const p of [foreign, damaged, link]) expect(existsSync(p) || readdirSync(laptop).includes('Passwords-DESKTOP-ATTACK1.kdbx'), p).toBe(true);
    expect(readFileSync(foreign).equals(other.bytes)).toBe(true);
    const { titles } = await contents(readFileSync(local), key);
    expect(titles).toEqual(['E0', 'E1', 'Good']); // nothing from the other vault, nothing through the link
  });

  it('keeps a conflict copy in place when the copy beside it cannot be written', async () => {
    const dir = freshState('readonly');
    const { bytes, id, key } = await newVault();
    const laptop = join(dir, 'Sync');
    const folder = join(dir, 'Dropbox');
    mkdirSync(laptop, { recursive: true });
    mkdirSync(folder, { recursive: true });
    const local = join(laptop, 'Passwords.kdbx');
    writeFileSync(local, bytes);
    writeFileSync(join(folder, 'Passwords.kdbx'), bytes);
    const conflict = join(folder, "Passwords (Fred's conflicted copy 2024-03-01).kdbx");
    writeFileSync(conflict, await edited(bytes, key, 'Fred', 'URL', 'url-fred'));
    addReplica({ location: folder, vaultId: id, defaultFile: 'Passwords.kdbx' });
    // The folder's vault file replaced by a directory: the folder copy cannot be written.
    rmSync(join(folder, 'Passwords.kdbx'));
    mkdirSync(join(folder, 'Passwords.kdbx'));
    const r = await runSync({ vaultId: id, local: { path: local }, sticks: [], open: (b) => Vault.open(b, key) });
    const c = r.copies.find((x) => x.kind === 'conflict')!;
    expect(r.copies.find((x) => x.kind === 'folder')!.status).toBe('failed');
    expect(c.status).toBe('unchanged');
    expect(c.detail).toMatch(/left in place/);
    expect(existsSync(conflict)).toBe(true);
    // Its edits are already in the local copy, which converged.
    expect((await contents(readFileSync(local), key)).titles).toContain('Fred');
  });
});

describe('randomized: a folder replica with conflict copies beside both copies', () => {
  const where = fc.constantFrom('local' as const, 'folder' as const);
  const editArb = fc.record({ beside: where, tool: fc.constantFrom('syncthing', 'dropbox', 'nextcloud', 'gdrive'), field: fc.constantFrom(...FIELDS) });
  const NAMES: Record<string, (n: number) => string> = {
    syncthing: (n) => `V.sync-conflict-20240301-1015${String(n).padStart(2, '0')}-ABCD123.kdbx`,
    dropbox: (n) => `V (Fred's conflicted copy 2024-03-${String(n + 1).padStart(2, '0')}).kdbx`,
    nextcloud: (n) => `V (conflicted copy 2024-03-01 1015${String(n).padStart(2, '0')}).kdbx`,
    gdrive: (n) => `V (${n + 1}).kdbx`,
  };

  it('ends identical everywhere with every edit kept, and the same content whichever copy is local', async () => {
    const { bytes, id, key } = await newVault();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(editArb, { minLength: 1, maxLength: 4 }), fc.boolean(), async (edits, localEdit) => {
        const results: Buffer[] = [];
        const expected = new Set<string>();
        const prepared: { folder: string; name: string; bytes: Buffer }[] = [];
        const base = localEdit ? await edited(bytes, key, 'L', 'URL', 'url-L') : bytes;
        if (localEdit) expected.add('url-L');
        for (const [n, e] of edits.entries()) {
          const value = `v${n}-${e.field}`;
          expected.add(value);
          prepared.push({ folder: e.beside, name: NAMES[e.tool](n), bytes: await edited(bytes, key, `T${n}`, e.field, value) });
        }
        // Each layout: which of the two folders is "local" and which the folder replica.
        for (const localIs of ['local', 'folder'] as const) {
          const dir = freshState(`rand-${run++}`);
          const paths = { local: join(dir, 'a'), folder: join(dir, 'b') };
          const asLocal = localIs === 'local' ? paths.local : paths.folder;
          const asFolder = localIs === 'local' ? paths.folder : paths.local;
          for (const p of Object.values(paths)) mkdirSync(p, { recursive: true });
          writeFileSync(join(paths.local, 'V.kdbx'), base);
          writeFileSync(join(paths.folder, 'V.kdbx'), bytes);
          for (const p of prepared) writeFileSync(join(paths[p.folder as 'local' | 'folder'], p.name), p.bytes);
          addReplica({ location: asFolder, vaultId: id, defaultFile: 'V.kdbx' });
          const r = await runSync({ vaultId: id, local: { path: join(asLocal, 'V.kdbx') }, sticks: [], open: (b) => Vault.open(b, key) });
          // Two edits of one field are a conflict to look at (both values kept); nothing fails.
          expect(r.copies.filter((c) => c.status === 'failed' || c.detail), JSON.stringify(r.copies)).toEqual([]);
          const a = readFileSync(join(paths.local, 'V.kdbx'));
          expect(readFileSync(join(paths.folder, 'V.kdbx')).equals(a)).toBe(true);
          for (const p of Object.values(paths)) expect(readdirSync(p).filter((f) => f.endsWith('.kdbx'))).toEqual(['V.kdbx']);
          const { titles, values } = await contents(a, key);
          for (const v of expected) expect(values.has(v), v).toBe(true);
          expect(titles).toEqual(['E0', 'E1', ...(localEdit ? ['L'] : []), ...edits.map((_, n) => `T${n}`)].sort());
          results.push(a);
        }
        const [x, y] = await Promise.all(results.map((b) => contents(b, key)));
        expect(x).toEqual(y);
      }),
      { numRuns: 6 },
    );
  }, 120_000);
});
