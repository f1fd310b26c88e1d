/** unlock, lock, status. */
import { UsageError } from '../../errors/index.js';
import { loadConfig, resolveVault } from '../../config/index.js';
import { type GlobalOptions, info, out, printJson } from '../runtime.js';
import { openSession, agent, AGENT_COMMAND } from '../session.js';

function seconds(v: string | undefined, fallback: number, name: string): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 7 * 86400) throw new UsageError(`${name} must be whole seconds from 1 to ${7 * 86400}, got '${v}'`);
  return n;
}

export async function unlock(opts: GlobalOptions, o: { timeout?: string; hardCap?: string }): Promise<void> {
  if (!opts.agent) throw new UsageError('unlock needs the agent; drop --no-agent');
  const config = loadConfig();
  const timeout = seconds(o.timeout, config.autoLockSeconds ?? 30, '--timeout');
  const hardCap = seconds(o.hardCap, config.agentHardCapSeconds ?? 8 * 3600, '--hard-cap');
  agent.checkRuntimeDir(); // before the password is asked: a planted socket must never receive the key
  // Unlock for real (not from the agent's old key), so a wrong password fails here.
  const s = await openSession({ ...opts, agent: false });
  try {
    await agent.remember(s.ref.path, s.vault.derivedKey(), { timeoutSeconds: timeout, hardCapSeconds: hardCap, start: AGENT_COMMAND() });
    info(opts, `unlocked ${s.ref.name ?? s.ref.path}; locks after ${timeout} s of disuse`);
  } finally {
    s.close();
  }
}

export async function lock(opts: GlobalOptions, o: { all?: boolean }): Promise<void> {
  (await import('../../exec/index.js')).sweepLeftovers();
  if (o.all) {
    await agent.lockAll();
    info(opts, `locked all vaults${await removeSshKeys(undefined)}`);
    return;
  }
  const ref = resolveVault(opts.vault, loadConfig());
  await agent.forget(ref.path);
  info(opts, `locked ${ref.name ?? ref.path}${await removeSshKeys(ref.path)}`);
}

/** The SSH keys `stv ssh-add` put into ssh-agent go with the vault (KeePassXC: remove on lock). */
async function removeSshKeys(vault: string | undefined): Promise<string> {
  const { existsSync } = await import('node:fs');
  const { addedKeysFile, removeAddedKeys } = await import('../../ssh-keys/index.js');
  if (!existsSync(addedKeysFile())) return '';
  const n = await removeAddedKeys(vault, { onLock: true });
  return n ? ` and removed ${n} SSH key${n === 1 ? '' : 's'} from ssh-agent` : '';
}

export async function status(opts: GlobalOptions): Promise<void> {
  const list = await agent.status();
  if (opts.json) return printJson(list.map((v) => ({ vault: v.vault, secondsToLock: v.secondsToLock })));
  if (!list.length) return out('no vault is unlocked');
  for (const v of list) out(`${v.vault}\tunlocked, locks in ${v.secondsToLock} s`);
}
