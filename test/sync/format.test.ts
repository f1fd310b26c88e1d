/**
 * Sync and file formats: copies of a KDBX 3.1 vault stay 3.1 through a merge
 * (sync never changes the format on its own), and a copy someone upgraded
 * to KDBX 4 makes the merged result KDBX 4 (a merge never downgrades it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { tempDir } from '../helpers/tools.js';
import { Vault, Entry, readVaultFile, saveVaultFile, type DerivedKey } from '../../src/vault/index.js';
import { runSync, findSticks, ensureVaultId } from '../../src/sync/index.js';
import { newStick, writeStick } from '../../src/sync/sticks.js';

let dir: string;
let cleanup: () => void;
const savedState = process.env.XDG_STATE_HOME;
beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-sync-format-'));
  process.env.XDG_STATE_HOME = join(dir, 'state');
});
afterAll(() => {
  process.env.XDG_STATE_HOME = savedState;
  cleanup();
});

const version = (path: string) => {
  const b = readFileSync(path);
  return `${b.readUInt16LE(10)}.${b.readUInt16LE(8)}`;
};

/** A 3.1 vault (as keepassxc-cli db-create makes them: AES-KDF) on the laptop and a stick, edited apart. */
async function setup(name: string): Promise<{ local: string; stick: string; root: string; key: DerivedKey; id: string }> {
  const base = join(dir, name);
  mkdirSync(join(base, 'laptop'), { recursive: true });
  const local = join(base, 'laptop', 'v.kdbx');
  const root = join(base, 'stick');
  const vault = await Vault.create('P', { password: Buffer.from('pw') }, { cipher: 'aes256', compressed: true, kdf: { type: 'aes', rounds: 10n, seed: randomBytes(32) } });
  vault.readVersion = { major: 3, minor: 1 };
  const { id } = ensureVaultId(vault.db);
  const key = vault.derivedKey();
  saveVaultFile(local, vault.toBytes());
  vault.close();
  const info = newStick('s');
  info.vaults[id] = { file: 'v.kdbx' };
  mkdirSync(root, { recursive: true });
  writeStick(root, info);
  const stick = join(root, 'v.kdbx');
  saveVaultFile(stick, readFileSync(local));
  return { local, stick, root, key, id };
}

async function edit(path: string, key: DerivedKey, title: string, upgrade = false): Promise<void> {
  const { bytes, stamp } = readVaultFile(path);
  const v = await Vault.open(bytes, key);
  v.db.root.addEntry(new Entry()).set('Title', title);
  if (upgrade) v.upgrade();
  saveVaultFile(path, v.toBytes(), { expected: stamp });
  v.close();
}

describe('sync and formats', () => {
  it('merges two edited KDBX 3.1 copies into KDBX 3.1 on both', async () => {
    const s = await setup('keep');
    expect(version(s.local)).toBe('3.1');
    await edit(s.local, s.key, 'OnLaptop');
    await edit(s.stick, s.key, 'OnStick');
    const r = await runSync({ vaultId: s.id, local: { path: s.local }, sticks: findSticks([s.root], []), open: (b) => Vault.open(b, s.key) });
    expect(r.copies.every((c) => c.status !== 'failed'), JSON.stringify(r.copies)).toBe(true);
    expect([version(s.local), version(s.stick)]).toEqual(['3.1', '3.1']);
    const v = await Vault.open(readFileSync(s.stick), s.key);
    expect([...v.db.entries()].map((e) => e.title).sort()).toEqual(['OnLaptop', 'OnStick']);
    v.close();
  });

  it('a copy upgraded to KDBX 4 makes the merged result KDBX 4 on every copy', async () => {
    const s = await setup('upgraded');
    await edit(s.local, s.key, 'OnLaptop');
    await edit(s.stick, s.key, 'OnStick', true);
    expect([version(s.local), version(s.stick)]).toEqual(['3.1', '4.0']);
    const r = await runSync({ vaultId: s.id, local: { path: s.local }, sticks: findSticks([s.root], []), open: (b) => Vault.open(b, s.key) });
    expect(r.copies.every((c) => c.status !== 'failed'), JSON.stringify(r.copies)).toBe(true);
    expect([version(s.local), version(s.stick)]).toEqual(['4.0', '4.0']);
  });
});
