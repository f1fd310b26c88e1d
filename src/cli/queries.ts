/**
 * Read-only queries, computed the same way in the CLI process and in the
 * agent (which answers them from its cached, unlocked copy of the vault so a
 * repeat `show` costs neither the KDF nor a parse).
 */
import { UsageError, NotFoundError } from '../errors/index.js';
import {
  type Database, type Entry, resolveEntry, resolveGroup, entryDetail, entrySummary, entryField, listGroup, findEntries,
} from '../vault/index.js';

export type QueryOp = 'show' | 'ls' | 'find' | 'field' | 'paths';

export interface QueryArgs {
  entry?: string;
  group?: string;
  query?: string;
  field?: string;
  showProtected?: boolean;
  recursive?: boolean;
  flat?: boolean;
  json?: boolean;
}

/** A field value with the label the CLI shows ("PASSWORD of Group/Title"). TOTP codes are computed here. */
export async function fieldOf(e: Entry, field: string): Promise<{ value: string; label: string; period?: number }> {
  const label = `${field.toUpperCase()} of ${e.path()}`;
  if (field.toLowerCase() === 'totp') {
    const { code, period } = await totpOf(e);
    return { value: code, label: `TOTP of ${e.path()}`, period };
  }
  return { value: entryField(e, field), label };
}

export async function totpNow(e: Entry): Promise<string> {
  return (await totpOf(e)).code;
}

/** The current code and the code's period in seconds (for `totp --json`'s time left). */
export async function totpOf(e: Entry): Promise<{ code: string; period: number }> {
  const OTPAuth = await import('otpauth');
  const uri = otpUri(e);
  if (!uri) throw new NotFoundError(`entry '${e.path()}' has no TOTP set up (no 'otp' field)`);
  try {
    const otp = OTPAuth.URI.parse(uri);
    return { code: otp.generate(), period: 'period' in otp ? Number(otp.period) : 30 };
  } catch (err) {
    throw new UsageError(`entry '${e.path()}' has an invalid otp field: ${(err as Error).message}`);
  }
}

/** KeePassXC keeps TOTP as an otpauth:// URI in `otp`; older versions used `TOTP Seed` + `TOTP Settings` ("30;6"). */
function otpUri(e: Entry): string | undefined {
  const otp = e.get('otp');
  if (otp) return otp.startsWith('otpauth://') ? otp : `otpauth://totp/stickvault?secret=${encodeURIComponent(otp)}`;
  const seed = e.get('TOTP Seed');
  if (!seed) return undefined;
  const [period = '30', digits = '6'] = e.get('TOTP Settings').split(';');
  return `otpauth://totp/stickvault?secret=${encodeURIComponent(seed.replace(/\s/g, ''))}&period=${Number(period) || 30}&digits=${Number(digits) || 6}`;
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
    case 'paths':
      return [...db.entries()].map((e) => e.path());
    default:
      throw new UsageError(`unknown query ${String(op)}`);
  }
}
