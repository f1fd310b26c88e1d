/**
 * git's credential helper protocol (gitcredentials(7), git-credential(1)):
 * `key=value` lines on stdin, ended by a blank line or end of input; the
 * answer the same way on stdout. Keys ending in `[]` may repeat. A value
 * never holds a newline or NUL, so one that does cannot be given to git.
 */
import { UsageError } from '../errors/index.js';

export type CredentialAction = 'get' | 'store' | 'erase';

export interface CredentialRequest {
  protocol?: string;
  /** Host name, with `:port` when git was given one. */
  host?: string;
  /** Only sent with credential.useHttpPath (or for protocols such as cert). */
  path?: string;
  username?: string;
  password?: string;
  /** Other single-valued keys git sent (password_expiry_utc, oauth_refresh_token …), kept for store. */
  other: Record<string, string>;
}

const MAX_REQUEST = 64 * 1024;

/** Parse what git wrote on our stdin. A `url=` line is split into its parts, as git itself does. */
export function parseCredentialRequest(text: string): CredentialRequest {
  if (text.length > MAX_REQUEST) throw new UsageError('the credential request is larger than 64 KiB');
  const req: CredentialRequest = { other: {} };
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') break;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new UsageError(`bad credential line (no key=value): ${line.slice(0, 20)}`);
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key.endsWith('[]')) continue; // capability[], wwwauth[]: nothing we answer to
    switch (key) {
      case 'protocol':
      case 'host':
      case 'path':
      case 'username':
      case 'password':
        req[key] = value;
        break;
      case 'url':
        Object.assign(req, splitUrl(value));
        break;
      default:
        req.other[key] = value;
    }
  }
  return req;
}

function splitUrl(url: string): Partial<CredentialRequest> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError('bad url= line in the credential request');
  }
  const out: Partial<CredentialRequest> = { protocol: u.protocol.replace(/:$/, ''), host: u.host };
  const path = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (path) out.path = path;
  if (u.username) out.username = decodeURIComponent(u.username);
  if (u.password) out.password = decodeURIComponent(u.password);
  return out;
}

/** The answer to `get`: only the keys git needs. Throws if a value cannot travel in the protocol. */
export function formatCredentialAnswer(fields: Record<string, string | undefined>): string {
  let out = '';
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    if (/[\n\0]/.test(v)) throw new UsageError(`the stored ${k === 'password' ? 'password' : k} holds a line break, which git's credential protocol cannot carry`);
    out += `${k}=${v}\n`;
  }
  return out;
}
