/**
 * stv ssh-add: load the SSH keys that entries hold into the running
 * ssh-agent. Without ENTRY, the keys KeePassXC would add when the database
 * opens (KeeAgent settings AllowUseOfSshKey and AddAtDatabaseOpen). The
 * key's passphrase is the entry's password. Lifetime: --lifetime, else the
 * entry's KeeAgent lifetime, else the vault's auto-lock time; `stv lock`
 * removes the keys again (unless KeeAgent's RemoveAtDatabaseClose is off).
 */
import { StvError, UsageError } from '../../errors/index.js';
import { resolveEntry, type Entry } from '../../vault/index.js';
import {
  agentSocket, addIdentity, listIdentities, keySourceOf, readPrivateKey, publicBlobOf, fingerprint, typeOfBlob, rememberAdded, removeAddedKeys,
} from '../../ssh-keys/index.js';
import { type GlobalOptions, info, out, printJson, warn } from '../runtime.js';
import { openSession, agent, type Session } from '../session.js';
import { finishWith } from '../exit-codes.js';

export interface SshAddFlags {
  list?: boolean;
  delete?: boolean;
  lifetime?: string;
  confirm?: boolean;
}

function lifetimeFlag(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)([smhd]?)$/.exec(v.trim());
  if (!m) throw new UsageError(`--lifetime takes seconds (or 90m, 8h, 1d; 0 = until stv lock), got '${v}'`);
  const n = Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  if (n > 0xffffffff) throw new UsageError('--lifetime is too long');
  return n;
}

/** The vault's auto-lock time: what the agent still gives it, or the configured idle timeout. */
async function autoLockSeconds(s: Session): Promise<number> {
  const configured = s.config.autoLockSeconds ?? 30;
  const held = (await agent.status()).find((v) => v.vault === s.ref.path);
  return Math.max(configured, held?.secondsToLock ?? 0);
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const shortType = (t: string) => t.replace(/^ssh-/, '').replace(/^ecdsa-sha2-nistp/, 'ECDSA-').toUpperCase();

export async function sshAdd(opts: GlobalOptions, names: string[], o: SshAddFlags): Promise<void> {
  if (o.delete) {
    if (names.length) throw new UsageError('-d removes every key stv added from this vault; it takes no ENTRY');
    const { loadConfig, resolveVault } = await import('../../config/index.js');
    const n = await removeAddedKeys(resolveVault(opts.vault, loadConfig()).path);
    info(opts, `removed ${n} key${n === 1 ? '' : 's'} from ssh-agent`);
    return;
  }
  const lifetime = lifetimeFlag(o.lifetime);
  const socket = o.list ? process.env.SSH_AUTH_SOCK : agentSocket(); // fail before the password is asked
  const s = await openSession(opts);
  try {
    if (o.list) return await list(opts, s, socket);
    const db = s.vault.db;
    const targets: Entry[] = names.length
      ? names.map((n) => resolveEntry(db, n))
      : [...db.entries()].filter((e) => {
          const settings = !db.isInRecycleBin(e) && keySourceOf(e)?.settings;
          return settings && settings.addAtDatabaseOpen && settings.allowUseOfSshKey;
        });
    if (!targets.length) {
      info(opts, "no entry asks for its key to be added when the vault opens (KeePassXC: SSH Agent › 'Add key to agent when database is opened'); name entries: stv ssh-add ENTRY");
      return;
    }
    const defaultLifetime = await autoLockSeconds(s);
    const results: { entry: string; type: string; fingerprint: string; comment: string; lifetime: number | null; confirm: boolean }[] = [];
    let failed = 0;
    for (const e of targets) {
      const src = keySourceOf(e);
      const fail = (why: string) => {
        if (names.length === 1) throw new StvError(`${e.path()}: ${why}`);
        warn(`${e.path()}: ${why}`);
        failed++;
      };
      if (!src) { fail('it holds no SSH key (no KeeAgent settings, no private key attachment)'); continue; }
      if (src.settings && !src.settings.allowUseOfSshKey) { fail("its KeeAgent settings do not allow its key to be used (KeePassXC: 'Add key to agent…' is off)"); continue; }
      if (src.problem || !src.bytes) { fail(src.problem ?? 'no key'); continue; }
      const passphrase = e.has('Password') ? e.getBytes('Password') : undefined; // unmasked into bytes, never a string
      let key;
      try {
        key = await readPrivateKey(src.bytes, passphrase);
      } catch (err) {
        fail((err as Error).message);
        continue;
      } finally {
        passphrase?.fill(0);
      }
      try {
        const comment = key.comment || e.get('UserName') || src.name;
        const seconds = lifetime ?? (src.settings?.useLifetimeConstraintWhenAdding ? src.settings.lifetimeConstraintDuration : defaultLifetime);
        const confirm = Boolean(o.confirm || src.settings?.useConfirmConstraintWhenAdding);
        await addIdentity(key, comment, { lifetimeSeconds: seconds, confirm }, socket);
        rememberAdded({ vault: s.ref.path, socket: socket!, publicBlob: b64(key.publicBlob), entry: e.uuid, removeOnLock: src.settings ? src.settings.removeAtDatabaseClose : true });
        results.push({ entry: e.path(), type: key.type, fingerprint: fingerprint(key.publicBlob), comment, lifetime: seconds || null, confirm });
      } finally {
        key.wipe();
      }
    }
    if (opts.json) printJson(results);
    else for (const r of results) info(opts, `added ${shortType(r.type)} ${r.fingerprint} (${r.comment}) from ${r.entry}; ${r.lifetime ? `ssh-agent forgets it in ${r.lifetime} s` : 'kept until stv lock'}${r.confirm ? ', confirm each use' : ''}`);
    if (failed) finishWith('problems-found');
  } finally {
    s.close();
  }
}

async function list(opts: GlobalOptions, s: Session, socket: string | undefined): Promise<void> {
  const db = s.vault.db;
  let loaded = new Set<string>();
  if (socket) {
    try {
      loaded = new Set((await listIdentities(socket)).map((i) => b64(i.publicBlob)));
    } catch {
      // No agent to ask: the column stays empty.
    }
  }
  const rows = [...db.entries()].filter((e) => !db.isInRecycleBin(e)).flatMap((e) => {
    const src = keySourceOf(e);
    if (!src) return [];
    const blob = src.bytes && safe(() => publicBlobOf(src.bytes!));
    return [{
      entry: e.path(),
      type: blob ? typeOfBlob(blob) : null,
      fingerprint: blob ? fingerprint(blob) : null,
      addAtOpen: Boolean(src.settings?.allowUseOfSshKey && src.settings.addAtDatabaseOpen),
      allowed: src.settings ? src.settings.allowUseOfSshKey : true,
      loaded: blob ? loaded.has(b64(blob)) : false,
      problem: src.problem ?? null,
    }];
  });
  if (opts.json) return printJson(rows);
  if (!rows.length) return out('no entry holds an SSH key');
  for (const r of rows) {
    const flags = [r.addAtOpen && 'added by stv ssh-add', !r.allowed && 'not allowed', r.loaded && 'in ssh-agent', r.problem].filter(Boolean).join(', ');
    out(`${r.entry}\t${r.type ? shortType(r.type) : '?'}\t${r.fingerprint ?? '(encrypted PEM: fingerprint after loading)'}${flags ? `\t${flags}` : ''}`);
  }
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
