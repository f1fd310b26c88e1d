/**
 * Values of several entry fields for one command (exec, pick): through the
 * agent when it holds the vault, else from one opened session — one
 * password prompt or KDF run, however many values.
 *
 * A spec is ENTRY[:FIELD] (FIELD defaults to password). An entry whose name
 * itself holds a ':' is still found: when ENTRY:FIELD names no entry, the
 * whole spec is tried as an entry name.
 */
import { NotFoundError, StvError } from '../errors/index.js';
import { loadConfig, resolveVault } from '../config/index.js';
import type { GlobalOptions } from './runtime.js';
import * as agent from './agent-link.js';
import type { VaultQueryArgs as QueryArgs } from '../agent/index.js';

export interface FieldSpec {
  entry: string;
  field: string;
  /** The spec as typed, to try whole when the split names no entry. */
  whole?: string;
}

export function parseFieldSpec(spec: string): FieldSpec {
  const i = spec.lastIndexOf(':');
  if (i > 0 && i < spec.length - 1 && !spec.slice(i + 1).includes('/')) return { entry: spec.slice(0, i), field: spec.slice(i + 1), whole: spec };
  return { entry: spec, field: 'password' };
}

type Ask = (args: QueryArgs) => Promise<{ value: string; label: string } | undefined>;

async function lookup(ask: Ask, spec: FieldSpec): Promise<{ value: string; label: string } | undefined> {
  try {
    return await ask({ entry: spec.entry, field: spec.field });
  } catch (e) {
    if (!spec.whole || (e as StvError).kind !== 'not-found') throw e;
    try {
      return await ask({ entry: spec.whole, field: 'password' });
    } catch {
      throw e;
    }
  }
}

export async function readFieldValues(opts: GlobalOptions, specs: FieldSpec[]): Promise<{ value: string; label: string }[]> {
  const explicit = opts.passwordFile !== undefined || opts.passwordFd !== undefined;
  if (opts.agent && !explicit) {
    const ref = resolveVault(opts.vault, loadConfig());
    const viaAgent: Ask = async (args) => {
      const r = await agent.query(ref.path, 'field', args);
      return r.ok ? (r.value as { value: string; label: string }) : undefined;
    };
    const out: { value: string; label: string }[] = [];
    for (const spec of specs) {
      const v = await lookup(viaAgent, spec);
      if (!v) break;
      out.push(v);
    }
    if (out.length === specs.length) return out;
  }
  const [{ openSession }, { runQuery }] = await Promise.all([import('./session.js'), import('../agent-host/index.js')]);
  const s = await openSession(opts);
  try {
    const local: Ask = async (args) => (await runQuery(s.vault.db, 'field', args)) as { value: string; label: string };
    const out: { value: string; label: string }[] = [];
    for (const spec of specs) {
      const v = await lookup(local, spec);
      if (!v) throw new NotFoundError(`entry '${spec.entry}' not found`);
      out.push(v);
    }
    return out;
  } finally {
    s.close();
  }
}
