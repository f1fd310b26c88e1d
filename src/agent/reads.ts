/**
 * A command's reads of one vault: answered by the agent's cached copy when
 * it holds the key, else by the vault opened here — once, however many
 * reads (one password prompt or KDF run). The caller's `openHere` opens it
 * only on that path, so an answer from the agent loads no vault code.
 */
import type { StvError } from '../errors/index.js';
import { query } from './link.js';
import type { QueryArgs, QueryOp } from './query-args.js';

export type Ask = (op: QueryOp, args: QueryArgs) => Promise<unknown>;

export interface VaultReads {
  /** The vault file to ask the agent about; undefined: the agent is not asked (--no-agent, an explicit password source). */
  agentVault?: string;
  /** The vault opened here: its queries, and how to close it. */
  openHere(): Promise<{ ask: Ask; close(): void }>;
}

/** Thrown inside `read` when the agent does not hold the key: the reads start again on the vault opened here. */
const NOT_HELD = Symbol('the agent does not hold the key');

/** Runs `read` against the agent; if any of its reads finds no key there, runs it again against the vault opened here. */
export async function readVault<T>(where: VaultReads, read: (ask: Ask) => Promise<T>): Promise<T> {
  const path = where.agentVault;
  if (path !== undefined) {
    const viaAgent: Ask = async (op, args) => {
      const answer = await query(path, op, args);
      if (!answer.ok) throw NOT_HELD;
      return answer.value;
    };
    try {
      return await read(viaAgent);
    } catch (e) {
      if (e !== NOT_HELD) throw e;
    }
  }
  const here = await where.openHere();
  try {
    return await read(here.ask);
  } finally {
    here.close();
  }
}

/**
 * ENTRY[:FIELD] as a command names a value. `whole` is the spec as typed:
 * an entry whose name itself holds a ':' is still found, since the whole
 * spec is tried as an entry name when ENTRY:FIELD names no entry.
 */
export interface FieldSpec {
  entry: string;
  field: string;
  whole?: string;
}

export interface FieldValue {
  value: string;
  label: string;
}

/** The values of several entry fields (exec), in order, all from one place: the agent, or the vault opened once. */
export function readFields(where: VaultReads, specs: FieldSpec[]): Promise<FieldValue[]> {
  return readVault(where, async (ask) => {
    const values: FieldValue[] = [];
    for (const spec of specs) values.push(await lookup(ask, spec));
    return values;
  });
}

async function lookup(ask: Ask, spec: FieldSpec): Promise<FieldValue> {
  try {
    return (await ask('field', { entry: spec.entry, field: spec.field })) as FieldValue;
  } catch (e) {
    if (!spec.whole || (e as StvError).kind !== 'not-found') throw e;
    try {
      return (await ask('field', { entry: spec.whole, field: 'password' })) as FieldValue;
    } catch (again) {
      throw again === NOT_HELD ? again : e;
    }
  }
}
