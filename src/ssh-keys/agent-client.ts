/**
 * A client of ssh-agent over $SSH_AUTH_SOCK (draft-miller-ssh-agent):
 * list, add (with lifetime and confirm constraints) and remove identities.
 * Keys go over the socket only; nothing is written to disk or passed to
 * another program.
 */
import { createConnection } from 'node:net';
import { StvError } from '../errors/index.js';
import { WireReader, WireWriter } from './wire.js';
import type { PrivateKey } from './private-key.js';

const FAILURE = 5;
const SUCCESS = 6;
const REQUEST_IDENTITIES = 11;
const IDENTITIES_ANSWER = 12;
const ADD_IDENTITY = 17;
const REMOVE_IDENTITY = 18;
const ADD_ID_CONSTRAINED = 25;
const CONSTRAIN_LIFETIME = 1;
const CONSTRAIN_CONFIRM = 2;
const MAX_REPLY = 256 * 1024;

export class SshAgentError extends StvError {}

export interface Identity {
  publicBlob: Uint8Array;
  comment: string;
}

export interface Constraints {
  /** Seconds until ssh-agent forgets the key; undefined or 0: no limit. */
  lifetimeSeconds?: number;
  /** ssh-agent asks (ssh-askpass) before each use. */
  confirm?: boolean;
}

export function agentSocket(): string {
  const sock = process.env.SSH_AUTH_SOCK;
  if (!sock) throw new SshAgentError("no ssh-agent: SSH_AUTH_SOCK is not set; start one with 'eval $(ssh-agent)'");
  return sock;
}

/** One request, one reply. The request buffer is wiped once sent (it may hold a private key). */
function request(socket: string, message: WireWriter, timeoutMs = 10_000): Promise<WireReader> {
  return new Promise((resolve, reject) => {
    const body = message.toBytes();
    message.wipe();
    const frame = new Uint8Array(4 + body.length);
    new DataView(frame.buffer).setUint32(0, body.length);
    frame.set(body, 4);
    body.fill(0);
    const sock = createConnection(socket);
    let got = Buffer.alloc(0);
    const fail = (e: Error) => {
      clearTimeout(timer);
      frame.fill(0);
      sock.destroy();
      reject(e);
    };
    const timer = setTimeout(() => fail(new SshAgentError(`ssh-agent at ${socket} did not answer`)), timeoutMs);
    sock.once('connect', () => sock.write(frame, () => frame.fill(0)));
    sock.on('data', (c: Buffer) => {
      got = Buffer.concat([got, c]);
      if (got.length >= 4) {
        const len = got.readUInt32BE(0);
        if (len > MAX_REPLY) return fail(new SshAgentError('ssh-agent sent an oversized reply'));
        if (got.length >= 4 + len) {
          clearTimeout(timer);
          sock.end();
          resolve(new WireReader(new Uint8Array(got.subarray(4, 4 + len)), 'ssh-agent reply'));
        }
      }
    });
    sock.once('error', (e: NodeJS.ErrnoException) => fail(new SshAgentError(`cannot reach ssh-agent at ${socket}: ${e.code ?? e.message}`)));
    sock.once('close', () => fail(new SshAgentError(`ssh-agent at ${socket} closed the connection`)));
  });
}

export async function listIdentities(socket = agentSocket()): Promise<Identity[]> {
  const r = await request(socket, new WireWriter().byte(REQUEST_IDENTITIES));
  if (r.byte() !== IDENTITIES_ANSWER) throw new SshAgentError('ssh-agent refused to list its keys');
  const n = r.uint32();
  const out: Identity[] = [];
  for (let i = 0; i < n; i++) out.push({ publicBlob: Uint8Array.from(r.string()), comment: r.text() });
  return out;
}

export async function addIdentity(key: PrivateKey, comment: string, c: Constraints = {}, socket = agentSocket()): Promise<void> {
  const constrained = Boolean(c.lifetimeSeconds) || Boolean(c.confirm);
  const w = new WireWriter().byte(constrained ? ADD_ID_CONSTRAINED : ADD_IDENTITY).string(key.type).raw(Uint8Array.from(key.fields)).string(comment);
  if (c.lifetimeSeconds) w.byte(CONSTRAIN_LIFETIME).uint32(c.lifetimeSeconds);
  if (c.confirm) w.byte(CONSTRAIN_CONFIRM);
  const r = await request(socket, w);
  const code = r.byte();
  if (code !== SUCCESS) throw new SshAgentError(code === FAILURE ? 'ssh-agent refused the key (a type or constraint it does not support?)' : `ssh-agent answered ${code}`);
}

/** Remove one key by its public blob; false when the agent did not hold it. */
export async function removeIdentity(publicBlob: Uint8Array, socket = agentSocket()): Promise<boolean> {
  const r = await request(socket, new WireWriter().byte(REMOVE_IDENTITY).string(Uint8Array.from(publicBlob)));
  return r.byte() === SUCCESS;
}
