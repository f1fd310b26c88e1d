/**
 * The sync engine under generated histories: copies on a laptop and three
 * sticks are edited independently — by stickvault (which records each save
 * in the sidecar) and by "another program" (which does not) — and synced in
 * random subsets, as sticks come and go. Whatever the order, a final sync of
 * all copies leaves them byte-identical, every entry ever added is there, and
 * every value an entry ever had is its current value or in its history: the
 * key-less fast-forward never skips over an edit it does not know about.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { tempDir } from '../helpers/tools.js';
import { Vault, Entry, readVaultFile, saveVaultFile, sha256Hex, type DerivedKey } from '../../src/vault/index.js';
import { runSync, recordLocalSave, findSticks, ensureVaultId } from '../../src/sync/index.js';
import { newStick, writeStick } from '../../src/sync/sticks.js';

let dir: string;
let cleanup: () => void;
const savedState = process.env.XDG_STATE_HOME;

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-sync-prop-'));
  process.env.XDG_STATE_HOME = join(dir, 'state');
});
afterAll(() => {
  process.env.XDG_STATE_HOME = savedState;
  cleanup();
});

type Op =
  | { kind: 'add' | 'foreign-add' | 'edit'; copy: number }
  | { kind: 'sync'; local: boolean; sticks: boolean[] };

const STICKS = 3;
const copyArb = fc.integer({ min: 0, max: STICKS });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constantFrom('add' as const, 'foreign-add' as const, 'edit' as const), copy: copyArb }),
  fc.record({ kind: fc.constant('sync' as const), local: fc.boolean(), sticks: fc.array(fc.boolean(), { minLength: STICKS, maxLength: STICKS }) }),
);

async function scenario(ops: Op[], run: number): Promise<void> {
  const base = join(dir, `run${run}`);
  const local = join(base, 'laptop', 'v.kdbx');
  const roots = Array.from({ length: STICKS }, (_, i) => join(base, `stick${i}`));
  mkdirSync(join(base, 'laptop'), { recursive: true });
  const vault = await Vault.create('P', { password: Buffer.from('pw') }, {
    cipher: 'chacha20', compressed: true,
    kdf: { type: 'argon2id', salt: randomBytes(32), iterations: 1n, memoryBytes: 8n * 1024n * 1024n, parallelism: 1, version: 0x13 },
  });
  vault.db.meta.historyMaxItems = -1;
  vault.db.meta.historyMaxSize = -1;
  const e = vault.db.root.addEntry(new Entry());
  e.set('Title', 'Base');
  e.set('UserName', 'v0');
  const { id } = ensureVaultId(vault.db);
  const key: DerivedKey = vault.derivedKey();
  saveVaultFile(local, vault.toBytes());
  vault.close();
  for (const [i, root] of roots.entries()) {
    const info = newStick(`s${i}`);
    info.vaults[id] = { file: 'v.kdbx' };
    mkdirSync(root, { recursive: true });
    writeStick(root, info);
  }
  const pathOf = (copy: number) => (copy === 0 ? local : join(roots[copy - 1], 'v.kdbx'));
  const sync = (withLocal: boolean, mounted: boolean[]) =>
    runSync({ vaultId: id, local: withLocal ? { path: local } : undefined, sticks: findSticks(roots.filter((_, i) => mounted[i]), []), open: (b) => Vault.open(b, key) });
  await sync(true, roots.map(() => true));

  const titles = new Set(['Base']);
  const usernames = new Set(['v0']);
  let n = 0;
  for (const op of ops) {
    if (op.kind === 'sync') {
      if (!op.local && !op.sticks.some(Boolean)) continue; // nothing reachable: nothing to sync
      const r = await sync(op.local, op.sticks);
      expect(r.copies.every((c) => c.status !== 'failed'), JSON.stringify(r.copies)).toBe(true);
      continue;
    }
    const path = pathOf(op.copy);
    const { bytes, stamp } = readVaultFile(path);
    const v = await Vault.open(bytes, key);
    n++;
    if (op.kind === 'edit') {
      const base = [...v.db.entries()].find((x) => x.title === 'Base')!;
      v.db.updateEntry(base, (x) => x.set('UserName', `v${n}`));
      usernames.add(`v${n}`);
    } else {
      const x = v.db.root.addEntry(new Entry());
      x.set('Title', `T${n}`);
      titles.add(`T${n}`);
    }
    const written = saveVaultFile(path, v.toBytes(), { expected: stamp });
    v.close();
    // stickvault records what it wrote; another program (KeePassXC) does not.
    if (op.kind !== 'foreign-add') recordLocalSave(path, id, stamp.sha256, written.sha256);
  }

  const final = await sync(true, roots.map(() => true));
  expect(final.copies.every((c) => c.status !== 'failed')).toBe(true);
  const shas = [0, 1, 2, 3].map((c) => sha256Hex(readFileSync(pathOf(c))));
  expect(new Set(shas).size).toBe(1);
  const v = await Vault.open(readFileSync(local), key);
  const entries = [...v.db.entries()];
  expect(new Set(entries.map((x) => x.title))).toEqual(titles);
  const baseEntry = entries.find((x) => x.title === 'Base')!;
  const seen = new Set([baseEntry.get('UserName'), ...baseEntry.history.map((h) => h.get('UserName'))]);
  for (const u of usernames) expect(seen.has(u), `lost version ${u}`).toBe(true);
  v.close();
  rmSync(base, { recursive: true, force: true });
}

async function newVault(name: string): Promise<{ vault: Vault; key: DerivedKey }> {
  const vault = await Vault.create(name, { password: Buffer.from('pw') }, {
    cipher: 'chacha20', compressed: true,
    kdf: { type: 'argon2id', salt: randomBytes(32), iterations: 1n, memoryBytes: 8n * 1024n * 1024n, parallelism: 1, version: 0x13 },
  });
  return { vault, key: vault.derivedKey() };
}

describe('sync engine', () => {
  it('never writes over any copy of another vault, however many sticks hold it', async () => {
    const base = join(dir, 'foreign');
    const local = join(base, 'laptop', 'v.kdbx');
    mkdirSync(join(base, 'laptop'), { recursive: true });
    const mine = await newVault('Mine');
    const { id } = ensureVaultId(mine.vault.db);
    saveVaultFile(local, mine.vault.toBytes());
    // Another vault with the same password and the same KDF, so the key opens it.
    mine.vault.db.root.uuid = 'ffffffffffffffffffffffffffffffff';
    mine.vault.db.setCustomData('stickvault.vault-id', undefined);
    const otherBytes = mine.vault.toBytes();
    const roots = ['a', 'b'].map((n) => join(base, n));
    for (const root of roots) {
      const info = newStick(`s${root.length}`);
      info.vaults[id] = { file: 'v.kdbx' };
      mkdirSync(root, { recursive: true });
      writeStick(root, info);
      saveVaultFile(join(root, 'v.kdbx'), otherBytes);
    }
    const r = await runSync({ vaultId: id, local: { path: local }, sticks: findSticks(roots, []), open: (b) => Vault.open(b, mine.key) });
    expect(r.copies.filter((c) => c.kind === 'stick').map((c) => c.status)).toEqual(['failed', 'failed']);
    for (const root of roots) expect(sha256Hex(readFileSync(join(root, 'v.kdbx')))).toBe(sha256Hex(otherBytes));
    mine.vault.close();
  });

  it('converges and loses no version under random edits and partial syncs', async () => {
    let run = 0;
    await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 12 }), (ops) => scenario(ops, run++)), { numRuns: 40 });
  }, 180_000);
});
