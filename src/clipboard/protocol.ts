/**
 * What `stv clip` tells the purge helper, and how: one JSON line over a unix
 * socket in runtimeDir() (dir 0700, socket 0600), answered by "ok" once the
 * helper has taken the order. The first order reaches a new helper on its
 * stdin instead. Orders carry a salted hash, never the value.
 */
import { createConnection } from 'node:net';
import { readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ownSocket, privateRuntimeDir, runtimeDir } from '../config/index.js';
import { peerIsMe } from '../agent/index.js';
import type { ValueHash } from './hash.js';

export const PROTOCOL_VERSION = 1;

export type ClipOrder =
  /**
   * A copy made at `copiedAt`: purge at `deadline` (ms since epoch) if the
   * clipboard still hashes to `hash`. `deadline: null` (--timeout 0) never
   * purges, but keeps an earlier order for the same value from purging it.
   */
  | ({ v: 1; kind: 'purge'; copiedAt: number; deadline: number | null } & ValueHash)
  /** The clipboard was cleared at `copiedAt`: every earlier order is moot. */
  | { v: 1; kind: 'forget'; copiedAt: number };

export type PurgeOrder = Extract<ClipOrder, { kind: 'purge' }>;

export const helperSocket = (): string => join(runtimeDir(), 'clip.sock');

export function parseOrder(line: string): ClipOrder | undefined {
  try {
    const o = JSON.parse(line) as Partial<ClipOrder>;
    if (o.v !== PROTOCOL_VERSION || typeof o.copiedAt !== 'number') return undefined;
    if (o.kind === 'forget') return o as ClipOrder;
    if (o.kind === 'purge' && (typeof o.deadline === 'number' || o.deadline === null) && typeof o.salt === 'string' && typeof o.hash === 'string') return o as ClipOrder;
  } catch {
    // not JSON: not ours
  }
  return undefined;
}

function sendOnce(order: ClipOrder): Promise<boolean> {
  const path = ownSocket('clip.sock');
  if (!path) return Promise.resolve(false);
  return new Promise((resolve) => {
    let answer = '';
    const s = createConnection(path);
    s.setEncoding('utf8');
    s.setTimeout(2000, () => s.destroy());
    // The order's salted hash is for our own helper only.
    s.once('connect', () => (peerIsMe(s) ? s.end(JSON.stringify(order) + '\n') : s.destroy()));
    s.on('data', (c: string) => (answer += c));
    s.once('close', () => resolve(answer.trim() === 'ok'));
    s.once('error', () => resolve(false));
  });
}

/**
 * A helper just spawned is not listening yet (node takes a moment to start).
 * The stv that spawned it leaves its pid here, so an order sent meanwhile
 * (`stv clip --clear` right after `stv clip`) waits for it instead of being lost.
 */
export const startingMarker = (): string => join(runtimeDir(), 'clip.starting');
const STARTUP_WAIT_MS = 5000;

export function markStarting(pid: number): void {
  writeFileSync(startingMarker(), String(pid), { mode: 0o600 });
}

export function clearStartingMark(pid: number): void {
  try {
    if (readFileSync(startingMarker(), 'utf8') === String(pid)) unlinkSync(startingMarker());
  } catch {
    // no mark
  }
}

function helperStarting(): boolean {
  try {
    if (Date.now() - statSync(startingMarker()).mtimeMs > STARTUP_WAIT_MS) return false;
    process.kill(Number(readFileSync(startingMarker(), 'utf8')), 0);
    return true;
  } catch {
    return false;
  }
}

/** Hand an order to the running (or starting) helper; false if none takes it. */
export async function sendToHelper(order: ClipOrder, o: { waitForStarting?: boolean } = {}): Promise<boolean> {
  // Refuses a runtime dir another user planted before we talk to its socket.
  privateRuntimeDir({ create: true });
  if (await sendOnce(order)) return true;
  if (o.waitForStarting === false) return false;
  const end = Date.now() + STARTUP_WAIT_MS;
  while (Date.now() < end && helperStarting()) {
    await new Promise((r) => setTimeout(r, 20));
    if (await sendOnce(order)) return true;
  }
  return false;
}
