/**
 * The CLI's side of the agent: fetch a held key, hand one over after an
 * interactive unlock, ask cached queries. Every call fails soft — no agent
 * means "locked", never an error — except a runtime directory or socket that
 * is not ours (RuntimeDirError): that is an attack or a mistake to report.
 */
import { StvError } from '../errors/index.js';
import * as agentApi from '../agent/index.js';
import { AGENT_SOCKET, ownSocket, privateRuntimeDir, RuntimeDirError } from '../config/index.js';
import { DerivedKey } from '../secret/index.js';
import type { VaultQueryArgs as QueryArgs, QueryOp } from '../agent/index.js';

/** For a soft failure's catch: lets a RuntimeDirError through, swallows the rest. */
export function unlessRuntimeDirError(e: unknown): undefined {
  if (e instanceof RuntimeDirError) throw e;
  return undefined;
}

/** Refuse early (before a password is asked) when the runtime directory or the agent socket is not ours. */
export function checkRuntimeDir(): void {
  if (privateRuntimeDir({ create: false })) ownSocket(AGENT_SOCKET);
}

const cliEntry = () => process.argv[1];

export async function isRunning(): Promise<boolean> {
  return agentApi.isAgentRunning();
}

export async function getKey(vaultPath: string): Promise<DerivedKey | undefined> {
  if (!(await agentApi.isAgentRunning())) return undefined;
  try {
    const r = await agentApi.agentClient().getKey(vaultPath);
    return r ? new DerivedKey(r.key, r.kdfFingerprint) : undefined;
  } catch (e) {
    return unlessRuntimeDirError(e);
  }
}

/** Start the agent if needed and give it the key for `timeoutSeconds` of disuse. */
export async function remember(vaultPath: string, key: DerivedKey, timeoutSeconds: number, hardCapSeconds?: number): Promise<void> {
  try {
    await agentApi.ensureAgentRunning([cliEntry(), '__agent']);
    await agentApi.agentClient().unlock({ vault: vaultPath, key: key.transformed, kdfFingerprint: key.kdfFingerprint, timeoutSeconds, hardCapSeconds });
  } finally {
    key.wipe();
  }
}

export async function forget(vaultPath: string): Promise<void> {
  if (await agentApi.isAgentRunning()) await agentApi.agentClient().lock({ vault: vaultPath });
}

export async function lockAll(): Promise<void> {
  if (await agentApi.isAgentRunning()) await agentApi.agentClient().lock({ all: true });
}

export async function status(): Promise<{ vault: string; secondsToLock: number }[]> {
  if (!(await agentApi.isAgentRunning())) return [];
  return agentApi.agentClient().status();
}

export type QueryAnswer = { ok: true; value: unknown } | { ok: false };

/** A cached read through the agent. Typed errors (entry not found …) come back as themselves. */
export async function query(vaultPath: string, op: QueryOp, args: QueryArgs): Promise<QueryAnswer> {
  if (!(await agentApi.isAgentRunning())) return { ok: false };
  let r: unknown;
  try {
    r = await agentApi.agentClient().query(vaultPath, op, agentApi.queryArgsToWire(args));
  } catch (e) {
    unlessRuntimeDirError(e);
    // An agent that exits between our ping and this query (it just locked its
    // last vault) is no agent: only errors the agent itself answered are typed.
    if (e instanceof StvError && !(e instanceof agentApi.AgentError) && e.kind !== 'locked') throw e;
    return { ok: false };
  }
  return r === undefined ? { ok: false } : { ok: true, value: r };
}
