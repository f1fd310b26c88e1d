/**
 * Read-only queries, computed the same way in the CLI process and in the
 * agent (which answers them from its cached, unlocked copy of the vault so a
 * repeat `show` costs neither the KDF nor a parse).
 */
import { UsageError } from '../errors/index.js';
import { otpUriOf, totpNow } from '../totp/index.js';
import {
  type Database, type Entry, resolveEntry, resolveGroup, entryDetail, entrySummary, entryField, listGroup, findEntries,
} from '../vault/index.js';

export type QueryOp = 'show' | 'ls' | 'find' | 'field' | 'paths' | 'totp';

export interface QueryArgs {
  entry?: string;
  group?: string;
  query?: string;
  field?: string;
  showProtected?: boolean;
  /** totp: the otpauth URI too (for a QR code). */
  uri?: boolean;
  recursive?: boolean;
  flat?: boolean;
  json?: boolean;
}

/** A field value with the label the CLI shows ("PASSWORD of Group/Title"). TOTP codes are computed here. */
export async function fieldOf(e: Entry, field: string): Promise<{ value: string; label: string }> {
  const label = `${field.toUpperCase()} of ${e.path()}`;
  if (field.toLowerCase() === 'totp') return { value: (await totpNow(e)).code, label: `TOTP of ${e.path()}` };
  return { value: entryField(e, field), label };
}

export async function runQuery(db: Database, op: QueryOp, a: QueryArgs): Promise<unknown> {
  switch (op) {
    case 'show': {
      const e = resolveEntry(db, a.entry!);
      if (a.field) return { value: entryField(e, a.field) };
      return entryDetail(e, Boolean(a.showProtected));
    }
    case 'ls': {
      const g = resolveGroup(db, a.group);
      if (a.json) {
        const entries = a.recursive ? [...g.allEntries()] : g.entries;
        return entries.map(entrySummary);
      }
      return listGroup(g, { recursive: Boolean(a.recursive), flat: Boolean(a.flat) });
    }
    case 'find':
      return findEntries(db, a.query ?? '').map(entrySummary);
    case 'field':
      return fieldOf(resolveEntry(db, a.entry!), a.field ?? 'password');
    case 'totp': {
      const e = resolveEntry(db, a.entry!);
      const now = await totpNow(e);
      return a.uri ? { ...now, uri: otpUriOf(e) } : now;
    }
    case 'paths':
      return [...db.entries()].map((e) => e.path());
    default:
      throw new UsageError(`unknown query ${String(op)}`);
  }
}
