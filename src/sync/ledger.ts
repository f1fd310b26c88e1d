/**
 * What this machine knows to be genuine copies of a vault, and how they
 * descend from each other: the SHA-256 of every content it wrote itself
 * (with the key) or opened with the key, each with the contents it was made
 * from. Kept in the private state dir (STATEDIR/ledger/VAULTID.json), never
 * on a stick. This, not a stick's sidecar, is what lets a sync copy one
 * version over another without the key: a sidecar can be written by anyone
 * who had the stick in their hands, the ledger only by this user here.
 */
import { join } from 'node:path';
import { ensurePrivateDir, stateDir } from '../config/index.js';
import { readJson, writeJson } from './json-file.js';

/** Contents remembered per vault (oldest dropped first): years of daily syncs and saves. */
export const LEDGER_LIMIT = 2000;

export interface LedgerRecord {
  sha: string;
  /** The contents this one was made from (empty when only verified: its ancestry is not known). */
  parents: string[];
  how: 'written' | 'verified';
  at: string;
}

interface LedgerFile {
  format: 1;
  vaultId: string;
  records: LedgerRecord[];
}

const HEX64 = /^[0-9a-f]{64}$/;

export const ledgerPath = (vaultId: string): string => join(stateDir(), 'ledger', `${vaultId.replace(/[^\w.-]/g, '_')}.json`);

export class Ledger {
  readonly #records = new Map<string, LedgerRecord>();
  #dirty = false;

  private constructor(readonly vaultId: string) {}

  static load(vaultId: string): Ledger {
    const l = new Ledger(vaultId);
    const f = readJson<LedgerFile>(ledgerPath(vaultId), 16 * 1024 * 1024);
    if (f?.format === 1 && f.vaultId === vaultId && Array.isArray(f.records)) {
      for (const r of f.records) {
        if (r && typeof r.sha === 'string' && HEX64.test(r.sha) && Array.isArray(r.parents)) {
          l.#records.set(r.sha, { sha: r.sha, parents: r.parents.filter((p) => typeof p === 'string' && HEX64.test(p)), how: r.how === 'written' ? 'written' : 'verified', at: String(r.at) });
        }
      }
    }
    return l;
  }

  /** This machine wrote `sha` with the key, or opened it with the key. */
  trusts(sha: string | undefined): boolean {
    return sha !== undefined && this.#records.has(sha);
  }

  /** Every content `sha` is known (here) to descend from, itself included. */
  lineage(sha: string): Set<string> {
    const seen = new Set<string>([sha]);
    const todo = [sha];
    while (todo.length) {
      for (const p of this.#records.get(todo.pop()!)?.parents ?? []) {
        if (!seen.has(p)) {
          seen.add(p);
          todo.push(p);
        }
      }
    }
    return seen;
  }

  /** Whether `sha` is trusted and every one of `others` is known to be it or one of its ancestors. */
  descendsFromAll(sha: string, others: string[]): boolean {
    if (!this.trusts(sha)) return false;
    const line = this.lineage(sha);
    return others.every((o) => line.has(o));
  }

  /** Ancestors newest-first-ish (breadth first), at most `max`: for a sidecar that other tools may read. */
  ancestors(sha: string, max = 200): string[] {
    return [...this.lineage(sha)].filter((s) => s !== sha).slice(0, max);
  }

  /** Remember a content; a record that is there already keeps its parents and gains the new ones. */
  note(sha: string, how: LedgerRecord['how'], parents: string[] = []): void {
    const known = this.#records.get(sha);
    const merged = [...new Set([...(known?.parents ?? []), ...parents.filter((p) => p !== sha)])];
    if (known && merged.length === known.parents.length && (known.how === 'written' || how === 'verified')) return;
    this.#records.delete(sha); // re-inserted last: the newest are kept when trimming
    this.#records.set(sha, { sha, parents: merged, how: known?.how === 'written' ? 'written' : how, at: new Date().toISOString() });
    this.#dirty = true;
  }

  save(): void {
    if (!this.#dirty) return;
    const records = [...this.#records.values()].slice(-LEDGER_LIMIT);
    ensurePrivateDir(join(stateDir(), 'ledger'));
    writeJson(ledgerPath(this.vaultId), { format: 1, vaultId: this.vaultId, records } satisfies LedgerFile);
    this.#dirty = false;
  }
}
