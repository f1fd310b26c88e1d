/** show, ls, find: through the agent when it holds the key, else by opening the vault. */
import type { EntryDetail, EntrySummary } from '../../vault/index.js';
import { UsageError } from '../../errors/index.js';
import { type GlobalOptions, agentAllowed, errorLine, out, outLines, printJson } from '../runtime.js';
import { readVault, type VaultQueryArgs as QueryArgs, type QueryOp, type VaultReads } from '../../agent/index.js';
import { loadConfig, resolveVault } from '../../config/index.js';
import { finishWith } from '../exit-codes.js';

/**
 * Where a command's reads go: the agent when the options allow it, else the
 * vault opened here with the command's password sources. The vault code is
 * imported only for that: an answer from the agent loads none of it (~20 ms
 * of a ~100 ms `show`, issue 10 row 6).
 */
export function vaultReads(opts: GlobalOptions, how: { stdinCarries?: string } = {}): VaultReads {
  return {
    agentVault: agentAllowed(opts) ? resolveVault(opts.vault, loadConfig()).path : undefined,
    async openHere() {
      const [{ openSession }, { runQuery }] = await Promise.all([import('../session.js'), import('../../agent-host/index.js')]);
      const s = await openSession(opts, how);
      return { ask: (op, args) => runQuery(s.vault.db, op, args), close: () => s.close() };
    },
  };
}

/** One query: through the agent when it holds the key, else on the vault opened here. */
export function query(opts: GlobalOptions, op: QueryOp, args: QueryArgs): Promise<unknown> {
  return readVault(vaultReads(opts), (ask) => ask(op, args));
}

export async function show(opts: GlobalOptions, entry: string, o: { showProtected?: boolean; attr?: string; version?: string }): Promise<void> {
  const version = o.version === undefined ? undefined : versionNumber(o.version);
  if (o.attr) {
    const r = (await query(opts, 'show', { entry, field: o.attr, version })) as { value: string };
    process.stdout.write(`${r.value}\n`);
    return;
  }
  const d = (await query(opts, 'show', { entry, showProtected: o.showProtected, version })) as EntryDetail & { version?: number };
  if (opts.json) return printJson(d);
  if (d.version) out(`Version ${d.version} of ${d.path} (from ${d.modified}; 'stv restore' makes it current)`);
  out(`Title: ${d.title}`);
  out(`UserName: ${d.username}`);
  out(`Password: ${o.showProtected ? d.password ?? '' : 'PROTECTED'}`);
  out(`URL: ${d.url}`);
  out(`Notes: ${d.notes}`);
  for (const [k, v] of Object.entries(d.fields)) out(`${k}: ${v}`);
  out(`Uuid: {${d.uuid}}`); // keepassxc-cli's line: the --json form in braces
  out(`Tags: ${d.tags.join(',')}`);
  if (d.attachments.length) out(`Attachments: ${d.attachments.map((a) => `${a.name} (${a.size} bytes)`).join(', ')}`);
  out(`Created: ${d.created}`);
  out(`Modified: ${d.modified}`);
  if (d.expires) out(`Expires: ${d.expires}`);
  out(`History: ${d.history} version(s)${d.history ? ` — 'stv history ${entry}'` : ''}`);
  if (d.conflict) out(`Conflict: ${d.conflict.join(', ')} — a merge kept both values; see 'stv conflicts', settle with 'stv resolve ${entry}'`);
}

/** A version number from `stv history` (0 is the current one). */
export function versionNumber(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw new UsageError(`'${text}' is not a version number; 'stv history ENTRY' lists them`);
  return n;
}

export async function ls(opts: GlobalOptions, group: string | undefined, o: { recursive?: boolean; flat?: boolean }): Promise<void> {
  const r = await query(opts, 'ls', { group, recursive: o.recursive, flat: o.flat, json: opts.json });
  if (opts.json) return printJson(r);
  outLines(r as string[]);
}

export async function find(opts: GlobalOptions, q: string): Promise<void> {
  const r = (await query(opts, 'find', { query: q })) as EntrySummary[];
  if (opts.json) return printJson(r);
  if (!r.length) {
    errorLine(`no entry matches '${q}'`);
    return finishWith('none-found');
  }
  outLines(r.map((e) => e.path));
}
