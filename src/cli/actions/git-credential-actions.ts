/**
 * `stv git-credential get|store|erase` (and the `git-credential-stv` bin that
 * `git config credential.helper stv` runs). Stdin is git's protocol, so the
 * master password never comes from it: the agent, --password-file/-fd, or a
 * prompt on /dev/tty. With none of those (locked, no terminal) and when no
 * entry matches, `get` prints nothing and exits 0 so git asks elsewhere.
 */
import { readFileSync } from 'node:fs';
import { LockedError, UsageError } from '../../errors/index.js';
import {
  parseCredentialRequest, formatCredentialAnswer, matchCredential, storeCredential, eraseCredential, DEFAULT_GIT_GROUP,
  type CredentialRequest, type Candidate,
} from '../../git-credential/index.js';
import type { EntrySummary } from '../../vault/index.js';
import { type GlobalOptions, warn } from '../runtime.js';
import { openSession, type Session } from '../session.js';
import { readVault } from '../../agent/index.js';
import { vaultReads } from './read-actions.js';

const ACTIONS = ['get', 'store', 'erase'] as const;

function readRequest(): CredentialRequest {
  let text = '';
  try {
    text = readFileSync(0, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EAGAIN' && (e as NodeJS.ErrnoException).code !== 'EOF') throw e;
  }
  return parseCredentialRequest(text);
}

/** The session, or undefined when the vault is locked and there is no way to ask (git then falls back). */
async function openQuietly(opts: GlobalOptions): Promise<Session | undefined> {
  try {
    // git's credential request is on stdin: the master password never is (agent, flags or /dev/tty).
    return await openSession(opts, { stdinCarries: "git's credential request" });
  } catch (e) {
    if (e instanceof LockedError) return undefined;
    throw e;
  }
}

function choose(candidates: Candidate[], req: CredentialRequest): Candidate | undefined {
  const m = matchCredential(candidates, req);
  if (m.kind === 'ambiguous') {
    warn(`${m.entries.length} entries match ${req.protocol}://${req.host}${req.path ? `/${req.path}` : ''} (${m.entries.slice(0, 3).map((e) => e.path).join(', ')}); git will ask instead. Put the username in the remote URL, or set credential.useHttpPath`);
    return undefined;
  }
  return m.kind === 'one' ? m.entry : undefined;
}

async function get(opts: GlobalOptions, req: CredentialRequest): Promise<void> {
  let answer: { username: string; password: string } | null;
  try {
    // The entry list (never the recycle bin's), then one password. git's request is on stdin: the master password never is.
    answer = await readVault(vaultReads(opts, { stdinCarries: "git's credential request" }), async (ask) => {
      const chosen = choose((await ask('find', { query: '' })) as EntrySummary[], req);
      if (!chosen) return null;
      const pw = (await ask('field', { entry: chosen.uuid, field: 'password' })) as { value: string };
      return { username: chosen.username, password: pw.value };
    });
  } catch (e) {
    // Locked and no way to ask: git asks elsewhere.
    if (e instanceof LockedError) return;
    throw e;
  }
  if (!answer || !answer.password) return;
  process.stdout.write(formatCredentialAnswer({ username: answer.username || req.username, password: answer.password }));
}

async function store(opts: GlobalOptions, req: CredentialRequest): Promise<void> {
  const s = await openQuietly(opts);
  if (!s) return;
  try {
    const group = s.config.gitCredentialGroup ?? DEFAULT_GIT_GROUP;
    const r = storeCredential(s.vault.db, req, group);
    if (r.kind === 'skipped') return warn(`git credential not stored: ${r.why}`);
    if (r.kind === 'unchanged') return;
    await s.save();
    if (!opts.quiet) process.stderr.write(`stv: ${r.kind === 'added' ? 'added' : 'updated the password of'} ${r.path}\n`);
  } finally {
    s.close();
  }
}

async function erase(opts: GlobalOptions, req: CredentialRequest): Promise<void> {
  const s = await openQuietly(opts);
  if (!s) return;
  try {
    const r = eraseCredential(s.vault.db, req);
    if (r.kind === 'kept') return;
    await s.save();
    if (!opts.quiet) process.stderr.write(`stv: git rejected the password of ${r.path}; moved it to the recycle bin\n`);
  } finally {
    s.close();
  }
}

export async function gitCredential(opts: GlobalOptions, action: string): Promise<void> {
  if (!(ACTIONS as readonly string[]).includes(action)) {
    // git may grow new actions; a helper ignores those it does not know (gitcredentials(7)).
    if (/^[a-z-]+$/.test(action)) return;
    throw new UsageError(`unknown git credential action '${action}'; expected get, store or erase`);
  }
  const req = readRequest();
  if (action === 'get') return get(opts, req);
  if (action === 'store') return store(opts, req);
  return erase(opts, req);
}
