/**
 * What the real agent keeps in memory after a lock (issue 18, hole 7): two
 * vaults unlocked, `show -s` of one through the agent, that one locked while
 * the other keeps the agent alive; then the agent's whole writable memory
 * (/proc/PID/mem) holds neither that vault's derived key (raw, hex or
 * base64), nor the cipher and HMAC keys derived from it to open the file,
 * nor the password `show -s` printed. Before the fix the key was there once
 * raw and three times as base64, with the shown value.
 *
 * Reading another process's memory needs root (or ptrace rights); CI runs as root.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSync, openSync, readFileSync, readSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { isolatedEnv, stv, tempDir } from '../helpers/tools.js';
import { Vault } from '../../src/vault/index.js';

const isRoot = process.getuid?.() === 0;
const PW = 'memory-master-Ff6!';
const NEEDLE = `needle-${randomBytes(8).toString('hex')}`;

let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-agent-memory-'));
  env = isolatedEnv(dir);
});
afterAll(() => {
  stv(['lock', '--all'], { env });
  cleanup();
});

function agentPid(): number {
  const pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('stickvault-agent') && readFileSync(`/proc/${p}/environ`, 'utf8').includes(`HOME=${dir}\0`);
    } catch {
      return false;
    }
  });
  expect(pids).toHaveLength(1);
  return Number(pids[0]);
}

/** Every needle found in the process's readable, writable memory (heap, stacks, anonymous maps). */
function findInMemory(pid: number, needles: Record<string, Buffer>): string[] {
  const found = new Set<string>();
  const maps = readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').filter(Boolean);
  const fd = openSync(`/proc/${pid}/mem`, 'r');
  const longest = Math.max(...Object.values(needles).map((n) => n.length));
  try {
    for (const line of maps) {
      const [range, perms, , , , path = ''] = line.split(/\s+/);
      if (!perms.startsWith('rw') || path.startsWith('[v')) continue;
      const [start, end] = range.split('-').map((h) => parseInt(h, 16));
      const CHUNK = 4 << 20;
      for (let at = start; at < end; at += CHUNK) {
        const len = Math.min(CHUNK + longest, end - at);
        const buf = Buffer.alloc(len);
        let n = 0;
        try {
          n = readSync(fd, buf, 0, len, at);
        } catch {
          continue; // unmapped meanwhile, or a guard page
        }
        const view = buf.subarray(0, n);
        for (const [name, needle] of Object.entries(needles)) if (view.includes(needle)) found.add(name);
      }
    }
  } finally {
    closeSync(fd);
  }
  return [...found];
}

// Skipped only when not root (reason: reading another process's memory needs root or ptrace rights; CI runs as root).
describe.skipIf(!isRoot)('the agent after a lock', () => {
  it('holds neither the locked vault\'s key nor a value shown with show -s', async () => {
    const a = join(dir, 'a.kdbx');
    const b = join(dir, 'b.kdbx');
    for (const v of [a, b]) {
      const init = stv(['--no-agent', '--vault', v, 'init', '--kdf', 'argon2id', '--kdf-memory', '8', '--kdf-iterations', '2'], { env, input: `${PW}\n${PW}\n` });
      expect(init.status, init.stderr).toBe(0);
    }
    const add = stv(['--no-agent', '--vault', a, '--password-fd', '0', 'add', 'Bank', '-p'], { env, input: `${PW}\n${NEEDLE}\n` });
    expect(add.status, add.stderr).toBe(0);
    for (const v of [a, b]) expect(stv(['--vault', v, 'unlock', '--timeout', '300'], { env, input: `${PW}\n` }).status).toBe(0);
    const shown = stv(['--vault', a, 'show', '-s', 'Bank'], { env, input: '' });
    expect(shown.stdout).toContain(`Password: ${NEEDLE}`); // through the agent: no password was given
    const clip = stv(['--vault', a, 'show', '-a', 'password', 'Bank'], { env, input: '' });
    expect(clip.stdout).toBe(`${NEEDLE}\n`);

    const file = readFileSync(a);
    const key = (await Vault.deriveKeyFor(file, { password: new TextEncoder().encode(PW) })).transformed;
    // What the agent derived from the key to open the file: its cipher key and HMAC base key (docs/kdbx.md §5).
    const seed = Vault.header(file).masterSeed;
    const needles = {
      'key (raw)': Buffer.from(key),
      'cipher key': createHash('sha256').update(seed).update(key).digest(),
      'HMAC base key': createHash('sha512').update(seed).update(key).update(Uint8Array.of(1)).digest(),
      'key (base64)': Buffer.from(Buffer.from(key).toString('base64')),
      'key (hex)': Buffer.from(Buffer.from(key).toString('hex')),
      'shown password (latin1)': Buffer.from(NEEDLE, 'latin1'),
      'shown password (utf16)': Buffer.from(NEEDLE, 'utf16le'),
    };
    expect(stv(['--vault', a, 'lock'], { env }).status).toBe(0);
    const status = JSON.parse(stv(['--json', 'status'], { env }).stdout) as { vault: string }[];
    expect(status.map((s) => s.vault)).toEqual([b]); // the agent lives on, holding b
    expect(findInMemory(agentPid(), needles)).toEqual([]);
  });
});
