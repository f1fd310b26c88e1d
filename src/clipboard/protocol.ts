/**
 * What `stv clip` tells the purge helper, and how: one JSON line over a unix
 * socket in runtimeDir() (dir 0700, socket 0600), answered by "ok" once the
 * helper has taken the order. The first order reaches a new helper on its
 * stdin instead. Orders carry a salted hash, never the value.
 */
import { createConnection } from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, runtimeDir } from '../config/index.js';
import type { ValueHash } from './hash.js';

export const PROTOCOL_VERSION = 1;

export type ClipOrder =
  /** Purge at `deadline` (ms since epoch) if the clipboard still hashes to `hash`. */
  | ({ v: 1; kind: 'purge'; copiedAt: number; deadline: number } & ValueHash)
  /** Stand down: the clipboard was cleared, or a value was copied with no timeout. */
  | { v: 1; kind: 'forget'; copiedAt: number };

export const helperSocket = (): string => join(runtimeDir(), 'clip.sock');

export function parseOrder(line: string): ClipOrder | undefined {
  try {
    const o = JSON.parse(line) as Partial<ClipOrder>;
    if (o.v !== PROTOCOL_VERSION || typeof o.copiedAt !== 'number') return undefined;
    if (o.kind === 'forget') return o as ClipOrder;
    if (o.kind === 'purge' && typeof o.deadline === 'number' && typeof o.salt === 'string' && typeof o.hash === 'string') return o as ClipOrder;
  } catch {
    // not JSON: not ours
  }
  return undefined;
}

/** Hand an order to the running helper; false if none takes it. */
export function sendToHelper(order: ClipOrder): Promise<boolean> {
  // Refuses a runtime dir another user planted before we talk to its socket.
  ensurePrivateDir(runtimeDir());
  if (!existsSync(helperSocket())) return Promise.resolve(false);
  return new Promise((resolve) => {
    let answer = '';
    const s = createConnection(helperSocket());
    s.setEncoding('utf8');
    s.setTimeout(2000, () => s.destroy());
    s.once('connect', () => s.end(JSON.stringify(order) + '\n'));
    s.on('data', (c: string) => (answer += c));
    s.once('close', () => resolve(answer.trim() === 'ok'));
    s.once('error', () => resolve(false));
  });
}
