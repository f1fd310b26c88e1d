/**
 * Read-only queries, computed the same way in the CLI process and in the
 * agent (which answers them from its cached, unlocked copy of the vault so a
 * repeat `show` costs neither the KDF nor a parse).
 */
import { UsageError } from '../errors/index.js';
import type { VaultQueryArgs as QueryArgs, QueryOp } from '../agent/index.js';
import { otpUriOf, totpNow } from '../totp/index.js';
import { ProtectedValue } from '../secret/index.js';
import {
  type Database, type Entry, resolveEntry, resolveGroup, entryDetail, entryDetailSecrets, entrySummary, entryField, fieldName, fieldSecret, listGroup, findEntries, versionAt, listVersions, listConflicts,
} from '../vault/index.js';

/** A field value with the label the CLI shows ("PASSWORD of Group/Title"). TOTP codes are computed here. */
export async function fieldOf(e: Entry, field: string): Promise<{ value: string; label: string; period?: number }> {
  const label = `${field.toUpperCase()} of ${e.path()}`;
  if (field.toLowerCase() === 'totp') return { value: (await totpNow(e)).code, label: `TOTP of ${e.path()}` };
  return { value: entryField(e, field), label };
}

/**
 * `secrets`: protected values in the answer stay ProtectedValue copies (the
 * agent sends them as bytes and zeroes them) instead of becoming strings.
 */
export async function runQuery(db: Database, op: QueryOp, a: QueryArgs, o: { secrets?: boolean } = {}): Promise<unknown> {
  const str = (v: unknown, what: string): string => {
    if (typeof v !== 'string') throw new UsageError(`the ${op} query needs ${what}`);
    return v;
  };
  switch (op) {
    case 'show': {
      const e = resolveEntry(db, str(a.entry, 'an entry'));
      const v = a.version ? versionAt(e, a.version) : e;
      if (a.field) return { value: o.secrets ? fieldSecret(v, fieldName(v, a.field)) : entryField(v, a.field) };
      const at = a.version ? { version: a.version, path: e.path() } : {};
      return { ...(o.secrets ? (entryDetailSecrets(v, Boolean(a.showProtected)) as object) : entryDetail(v, Boolean(a.showProtected))), ...at };
    }
    case 'history': {
      const e = resolveEntry(db, str(a.entry, 'an entry'));
      return { uuid: e.uuid, path: e.path(), versions: listVersions(e) };
    }
    case 'conflicts':
      return listConflicts(db);
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
    case 'field': {
      const e = resolveEntry(db, str(a.entry, 'an entry'));
      const field = a.field ?? 'password';
      if (o.secrets && field.toLowerCase() !== 'totp') return { value: fieldSecret(e, fieldName(e, field)), label: `${field.toUpperCase()} of ${e.path()}` };
      return fieldOf(e, field);
    }
    case 'totp': {
      const e = resolveEntry(db, str(a.entry, 'an entry'));
      const now = { ...(await totpNow(e)), path: e.path() };
      if (!a.uri) return now;
      // The URI holds the TOTP secret: through the agent it travels as a secret, never a string.
      const uri = otpUriOf(e)!;
      return { ...now, uri: o.secrets ? ProtectedValue.fromString(uri) : uri };
    }
    case 'paths':
      return [...db.entries()].map((e) => e.path());
    default:
      throw new UsageError(`unknown query ${String(op)}`);
  }
}
