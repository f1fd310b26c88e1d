/**
 * The purge helper: a detached process that outlives `stv clip`. It receives
 * a salted hash of the copied value and a deadline on stdin (never argv or
 * env), listens on a 0600 socket for newer copies, and at the deadline clears
 * the clipboard only if it still holds that value. One helper per user: a
 * newer `stv clip` tells the running helper the new hash and deadline.
 */
import { createServer, createConnection } from 'node:net';
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, runtimeDir } from '../config/index.js';
import { matches, type ValueHash } from './hash.js';
import { readClipboard, writeClipboard } from './system.js';

export interface PurgeOrder extends ValueHash {
  /** Wall-clock deadline (ms since epoch); 0 = clear now. */
  deadline: number;
}

export const helperSocket = (): string => join(runtimeDir(), 'clip.sock');

/** Hand an order to the running helper; false if none answers. */
export function sendToHelper(order: PurgeOrder): Promise<boolean> {
  return new Promise((resolve) => {
    if (!existsSync(helperSocket())) return resolve(false);
    const s = createConnection(helperSocket());
    s.once('connect', () => s.end(JSON.stringify(order) + '\n'));
    s.on('data', () => undefined);
    s.once('close', (hadError) => resolve(!hadError));
    s.once('error', () => resolve(false));
  });
}

async function purgeIfStillOurs(order: PurgeOrder): Promise<void> {
  try {
    if (matches(await readClipboard(), order)) await writeClipboard('');
  } catch {
    // The display went away: nothing left to purge.
  }
}

export async function runClipHelper(): Promise<void> {
  process.title = 'stickvault-clip';
  const first = await new Promise<string>((resolve) => {
    let data = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (c) => (data += c));
    process.stdin.on('end', () => resolve(data));
  });
  let order = JSON.parse(first) as PurgeOrder;
  ensurePrivateDir(runtimeDir());
  if (existsSync(helperSocket())) {
    try { unlinkSync(helperSocket()); } catch { /* raced */ }
  }
  let timer: NodeJS.Timeout | undefined;
  const server = createServer((sock) => {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (c) => (buf += c));
    sock.on('end', () => {
      try {
        order = JSON.parse(buf) as PurgeOrder;
        schedule();
      } catch {
        // ignore garbage
      }
      sock.end();
    });
    sock.on('error', () => sock.destroy());
  });
  const finish = () => {
    server.close();
    try { unlinkSync(helperSocket()); } catch { /* gone */ }
  };
  const schedule = () => {
    if (timer) clearTimeout(timer);
    // Re-check the wall clock in steps, so a sleeping laptop purges as soon as it wakes.
    const tick = async () => {
      if (Date.now() >= order.deadline) {
        const current = order;
        await purgeIfStillOurs(current);
        if (current === order) finish();
        return;
      }
      timer = setTimeout(tick, Math.min(1000, order.deadline - Date.now()));
    };
    void tick();
  };
  const oldMask = process.umask(0o177);
  await new Promise<void>((resolve) => server.listen(helperSocket(), () => resolve()));
  process.umask(oldMask);
  chmodSync(helperSocket(), 0o600);
  schedule();
}
