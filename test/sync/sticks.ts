/**
 * Test sticks: small ext4 images loop-mounted when we are root and the
 * kernel lets us (as a real USB stick would be), else plain directories —
 * the test says which. FAT is tried too; kernels without vfat say so.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface TestStick {
  root: string;
  image?: string;
  fs: 'ext4' | 'vfat' | 'dir';
  mounted: boolean;
}

const sh = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' });
const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

export function makeStick(base: string, name: string, o: { sizeMiB?: number; fs?: 'ext4' | 'vfat' } = {}): TestStick {
  const root = join(base, 'media', name);
  mkdirSync(root, { recursive: true });
  if (!isRoot()) return { root, fs: 'dir', mounted: false };
  const image = join(base, `${name}.img`);
  const fs = o.fs ?? 'ext4';
  sh('truncate', ['-s', `${o.sizeMiB ?? 8}M`, image]);
  // -m 0: no blocks reserved for root, so a full stick is full for us too.
  const mkfs = fs === 'ext4' ? sh('mkfs.ext4', ['-q', '-F', '-m', '0', image]) : sh('mkfs.vfat', [image]);
  if (mkfs.status !== 0) return { root, fs: 'dir', mounted: false };
  const m = sh('mount', ['-o', fs === 'vfat' ? 'loop,uid=0,gid=0,umask=077' : 'loop', image, root]);
  if (m.status !== 0) return { root, fs: 'dir', mounted: false };
  return { root, image, fs, mounted: true };
}

export function mountAgain(s: TestStick, opts = 'loop'): void {
  if (!s.image) throw new Error('not an image stick');
  const r = sh('mount', ['-o', opts, s.image, s.root]);
  if (r.status !== 0) throw new Error(`mount failed: ${r.stderr}`);
  s.mounted = true;
}

export function unmount(s: TestStick): void {
  if (!s.mounted) return;
  const r = sh('umount', [s.root]);
  if (r.status !== 0) sh('umount', ['-l', s.root]);
  s.mounted = false;
}

export function remount(s: TestStick, opts: string): void {
  const r = sh('mount', ['-o', `remount,${opts}`, s.root]);
  if (r.status !== 0) throw new Error(`remount ${opts} failed: ${r.stderr}`);
}

export function removeStick(s: TestStick): void {
  unmount(s);
  if (s.image) rmSync(s.image, { force: true });
}
