/**
 * The purge helper: a detached process that outlives `stv clip`. Its first
 * order arrives on stdin (never argv or env); later ones on a 0600 socket, so
 * there is one helper per user that knows every copy still waiting. At a
 * deadline it clears the clipboard only if it still holds that copy's value
 * (see pending.ts). It holds salted hashes and deadlines, never a value.
 */
import { createServer, type Server } from 'node:net';
import { chmodSync, statSync, unlinkSync } from 'node:fs';
import { privateRuntimeDir } from '../config/index.js';
import { peerIsMe } from '../agent/index.js';
import { PendingPurges } from './pending.js';
import { clearStartingMark, helperSocket, parseOrder, sendToHelper, type ClipOrder, type PurgeOrder } from './protocol.js';
import { readClipboard, writeClipboard } from './system.js';

/** A clipboard tool that never answers must not keep the helper alive forever. */
const GIVE_UP_MS = 10_000;

function readStdin(): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (c: string) => (data += c));
    process.stdin.once('end', () => resolve(data));
    process.stdin.once('error', () => resolve(''));
  });
}

const readOrUndefined = () => readClipboard().catch(() => undefined);
const giveUpOnHungTool = () => new Promise<void>(() => setTimeout(() => process.exit(0), GIVE_UP_MS).unref());

function listen(server: Server, path: string): Promise<'listening' | 'in-use'> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (e.code === 'EADDRINUSE') resolve('in-use');
      else reject(e);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve('listening');
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(path);
  });
}

/**
 * Take the socket, or give our order to the helper that holds it. A socket no
 * helper answers on is stale and replaced. 'alone': we purge our own order
 * without a socket rather than not at all.
 */
async function claimSocket(server: Server, order: PurgeOrder): Promise<'listening' | 'handed-over' | 'alone'> {
  for (let attempt = 0; attempt < 2; attempt++) {
    if ((await listen(server, helperSocket())) === 'listening') return 'listening';
    if (await sendToHelper(order, { waitForStarting: false })) return 'handed-over';
    try {
      unlinkSync(helperSocket());
    } catch {
      // someone else removed it: try again
    }
  }
  return 'alone';
}

export async function runClipHelper(): Promise<void> {
  process.title = 'stickvault-clip';
  // The socket is born 0600; nothing else is created here.
  process.umask(0o077);
  const first = parseOrder(await readStdin());
  process.stdin.destroy();
  if (first?.kind !== 'purge') return;
  const pending = new PendingPurges();
  pending.add(first);
  let timer: NodeJS.Timeout | undefined;
  let exitGuard: NodeJS.Timeout | undefined;
  let purging: Promise<void> | undefined;
  let socketInode: number | undefined;

  const stop = () => {
    server.close();
    try {
      // Remove the socket only if it is still ours, not a successor's.
      if (socketInode !== undefined && statSync(helperSocket()).ino === socketInode) unlinkSync(helperSocket());
    } catch {
      // already gone
    }
    socketInode = undefined;
    exitGuard = setTimeout(() => process.exit(0), GIVE_UP_MS).unref();
  };

  const tick = () => {
    timer = undefined;
    const next = pending.nextDeadline();
    if (next === undefined) return stop();
    // Re-read the wall clock at least every second, so a laptop that slept past a deadline purges on waking.
    if (next > Date.now()) return void (timer = setTimeout(tick, Math.min(1000, next - Date.now())));
    const purge = async () => {
      const text = await readOrUndefined();
      if (pending.settle(Date.now(), text)) await writeClipboard('').catch(() => undefined);
    };
    purging = Promise.race([purge(), giveUpOnHungTool()]).finally(() => {
      purging = undefined;
      tick();
    });
  };

  const accept = (o: ClipOrder) => {
    if (o.kind === 'forget') pending.forget(o.copiedAt);
    else pending.add(o);
    if (exitGuard) clearTimeout(exitGuard);
    if (timer) clearTimeout(timer);
    tick();
  };

  const server = createServer((conn) => {
    // Orders from another uid would let them cancel a purge: refused before a byte is read.
    if (!peerIsMe(conn)) return void conn.destroy();
    let line = '';
    conn.setEncoding('utf8');
    conn.setTimeout(5_000, () => conn.destroy());
    conn.on('data', (c: string) => {
      line += c;
      if (line.length > 4096) conn.destroy(); // an order is one short line
    });
    conn.on('end', async () => {
      // A purge under way finishes first, so it cannot wipe the value this order announces.
      while (purging) await purging;
      const o = parseOrder(line);
      if (o) accept(o);
      conn.end(o ? 'ok\n' : 'unknown order\n');
    });
    conn.on('error', () => conn.destroy());
  });

  privateRuntimeDir({ create: true });
  const claim = await claimSocket(server, first);
  clearStartingMark(process.pid);
  if (claim === 'handed-over') return;
  if (claim === 'listening') {
    chmodSync(helperSocket(), 0o600);
    socketInode = statSync(helperSocket()).ino;
  }
  tick();
}
