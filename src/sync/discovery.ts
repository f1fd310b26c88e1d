/**
 * Finding mounted sticks: the mount table (/proc/self/mountinfo, see
 * proc(5)) plus paths named in the config (`stickPaths`), each checked for
 * `.stickvault/stick.json`. Nothing is guessed from directory names.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readStick, type MountedStick } from './sticks.js';

export interface Mount {
  mountPoint: string;
  fsType: string;
  source: string;
  readOnly: boolean;
}

/** File systems that never hold a stick; skipping them avoids stat calls on kernel interfaces. */
const PSEUDO = new Set([
  'proc', 'sysfs', 'devpts', 'devtmpfs', 'mqueue', 'cgroup', 'cgroup2', 'tracefs', 'debugfs', 'securityfs', 'pstore',
  'bpf', 'autofs', 'fusectl', 'configfs', 'hugetlbfs', 'binfmt_misc', 'nsfs', 'efivarfs', 'rpc_pipefs', 'selinuxfs',
]);

const unescapeOctal = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Parses mountinfo: `id parent maj:min root mountpoint options [optional…] - fstype source superoptions`. */
export function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (dash < 6 || fields.length < dash + 3) continue;
    mounts.push({
      mountPoint: unescapeOctal(fields[4]),
      fsType: fields[dash + 1],
      source: unescapeOctal(fields[dash + 2]),
      readOnly: fields[5].split(',').includes('ro'),
    });
  }
  return mounts;
}

export function readMounts(): Mount[] {
  try {
    return parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
  } catch {
    return []; // not Linux: config paths only
  }
}

/** Every stick reachable now, once per stick id (a bind mount shows the same stick twice). */
export function findSticks(extraPaths: string[] = [], mounts: Mount[] = readMounts()): MountedStick[] {
  const candidates = [...mounts.filter((m) => !PSEUDO.has(m.fsType)).map((m) => m.mountPoint), ...extraPaths.map((p) => resolve(p))];
  const seen = new Map<string, MountedStick>();
  for (const root of candidates) {
    const info = readStick(root);
    if (info && !seen.has(info.id)) seen.set(info.id, { root, info });
  }
  return [...seen.values()];
}
