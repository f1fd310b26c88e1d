/**
 * The agent as a command uses it: fetch a held key, hand one over after an
 * interactive unlock, ask cached queries. Every call fails soft — no agent
 * means "locked", never an error — except a runtime directory or socket that
 * is not ours (RuntimeDirError): that is an attack or a mistake to report.
 */
import { StvError } from '../errors/index.js';
import { AGENT_SOCKET, ownSocket, privateRuntimeDir, RuntimeDirError } from '../config/index.js';
import { DerivedKey } from '../secret/index.js';
import { AgentError, agentClient, ensureAgentRunning, isAgentRunning } from './client.js';
import { queryArgsToWire, type QueryArgs, type QueryOp } from './query-args.js';

/** For a soft failure's catch: lets a RuntimeDirError through, swallows the rest. */
export function unlessRuntimeDirError(e: unknown): undefined {
  if (e instanceof RuntimeDirError) throw e;
  return undefined;
}

/** Refuse early (before a password is asked) when the runtime directory or the agent socket is not ours. */
export function checkRuntimeDir(): void {
  if (privateRuntimeDir({ create: false })) ownSocket(AGENT_SOCKET);
}

export async function isRunning(): Promise<boolean> {
  return isAgentRunning();
}

export async function getKey(vaultPath: string): Promise<DerivedKey | undefined> {
  if (!(await isAgentRunning())) return undefined;
  try {
    const r = await agentClient().getKey(vaultPath);
    return r ? new DerivedKey(r.key, r.kdfFingerprint) : undefined;
  } catch (e) {
    return unlessRuntimeDirError(e);
  }
}

/**
 * Start the agent if needed (`start`: the command that runs it) and give it
 * the key for `timeoutSeconds` of disuse. The key is wiped.
 */
export async function remember(vaultPath: string, key: DerivedKey, o: { timeoutSeconds: number; hardCapSeconds?: number; start: string[] }): Promise<void> {
  const { timeoutSeconds, hardCapSeconds } = o;
  try {
    await ensureAgentRunning(o.start);
    await agentClient().unlock({ vault: vaultPath, key: key.transformed, kdfFingerprint: key.kdfFingerprint, timeoutSeconds, hardCapSeconds });
  } finally {
    key.wipe();
  }
}

export async function forget(vaultPath: string): Promise<void> {
  if (await isAgentRunning()) await agentClient().lock({ vault: vaultPath });
}

export async function lockAll(): Promise<void> {
  if (await isAgentRunning()) await agentClient().lock({ all: true });
}

export async function status(): Promise<{ vault: string; secondsToLock: number }[]> {
  if (!(await isAgentRunning())) return [];
  return agentClient().status();
}

export type QueryAnswer = { ok: true; value: unknown } | { ok: false };

/** A cached read through the agent. Typed errors (entry not found …) come back as themselves. */
export async function query(vaultPath: string, op: QueryOp, args: QueryArgs): Promise<QueryAnswer> {
  if (!(await isAgentRunning())) return { ok: false };
  let r: unknown;
  try {
    r = await agentClient().query(vaultPath, op, queryArgsToWire(args));
  } catch (e) {
    unlessRuntimeDirError(e);
    // An agent that exits between our ping and this query (it just locked its
    // last vault) is no agent: only errors the agent itself answered are typed.
    if (e instanceof StvError && !(e instanceof AgentError) && e.kind !== 'locked') throw e;
    return { ok: false };
  }
  return r === undefined ? { ok: false } : { ok: true, value: r };
}
