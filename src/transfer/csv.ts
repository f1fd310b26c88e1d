/**
 * CSV import (the column layouts of KeePassXC, Bitwarden, Chrome and Firefox
 * exports, told apart by their header rows) and CSV export in KeePassXC's
 * layout.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { UsageError } from '../errors/index.js';
import type { Database } from '../vault/index.js';
import type { ImportedItem } from './items.js';

interface Layout {
  name: string;
  /** Lower-cased header names that identify the layout. */
  needs: string[];
  map(row: Record<string, string>): ImportedItem;
}

const totpUri = (v: string) => (!v ? undefined : v.startsWith('otpauth://') ? v : `otpauth://totp/imported?secret=${encodeURIComponent(v.replace(/\s/g, ''))}`);
const date = (v: string | undefined) => {
  if (!v) return undefined;
  const n = Number(v);
  const d = Number.isFinite(n) && /^\d+$/.test(v) ? new Date(n > 1e12 ? n : n * 1000) : new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
};

const LAYOUTS: Layout[] = [
  {
    name: 'KeePassXC',
    needs: ['group', 'title', 'username', 'password', 'url', 'notes'],
    map: (r) => ({
      group: (r.group ?? '').split('/').filter(Boolean).slice(1), // KeePassXC writes the root group's name first
      title: r.title ?? '', username: r.username ?? '', password: r.password ?? '', url: r.url ?? '', notes: r.notes ?? '',
      otp: totpUri(r.totp ?? ''), modified: date(r['last modified']), created: date(r.created),
    }),
  },
  {
    name: 'Bitwarden',
    needs: ['folder', 'type', 'name', 'login_uri', 'login_username', 'login_password'],
    map: (r) => ({
      group: (r.folder ?? '').split('/').filter(Boolean),
      title: r.name ?? '', username: r.login_username ?? '', password: r.login_password ?? '', url: r.login_uri ?? '', notes: r.notes ?? '',
      otp: totpUri(r.login_totp ?? ''),
      fields: Object.fromEntries((r.fields ?? '').split('\n').map((l) => l.split(/: (.*)/s)).filter((p) => p.length >= 2 && p[0]).map((p) => [p[0], p[1] ?? ''])),
    }),
  },
  {
    name: 'Firefox',
    needs: ['url', 'username', 'password', 'httprealm', 'formactionorigin'],
    map: (r) => ({
      group: [], title: hostTitle(r.url ?? ''), username: r.username ?? '', password: r.password ?? '', url: r.url ?? '', notes: '',
      created: date(r.timecreated), modified: date(r.timepasswordchanged),
    }),
  },
  {
    name: 'Chrome',
    needs: ['name', 'url', 'username', 'password'],
    map: (r) => ({ group: [], title: r.name || hostTitle(r.url ?? ''), username: r.username ?? '', password: r.password ?? '', url: r.url ?? '', notes: r.note ?? r.notes ?? '' }),
  },
];

function hostTitle(url: string): string {
  try {
    return new URL(url).hostname || url;
  } catch {
    return url;
  }
}

export function readCsv(text: string): { layout: string; items: ImportedItem[] } {
  let rows: string[][];
  try {
    rows = parse(text.replace(/^\uFEFF/, ''), { relax_column_count: true, skip_empty_lines: true });
  } catch (e) {
    throw new UsageError(`cannot read the CSV: ${(e as Error).message}`);
  }
  if (!rows.length) throw new UsageError('the CSV file is empty');
  const header = rows[0].map((h) => h.trim().toLowerCase());
  const layout = LAYOUTS.find((l) => l.needs.every((n) => header.includes(n)));
  if (!layout) {
    throw new UsageError(`unknown CSV layout (header: ${rows[0].join(',')}); accepted: ${LAYOUTS.map((l) => `${l.name} (${l.needs.join(',')})`).join('; ')}`);
  }
  const items = rows.slice(1).map((cells) => layout.map(Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']))));
  return { layout: layout.name, items };
}

/** KeePassXC's CSV export layout. */
/**
 * OWASP's CSV-injection rule: a cell starting with = + - @ TAB or CR is
 * read as a formula by spreadsheets (=HYPERLINK(…), +cmd|…, @SUM(…)); a
 * leading single quote makes it text. `raw` writes cells as they are.
 */
export function neutraliseFormula(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

export function writeCsv(db: Database, opts: { raw?: boolean } = {}): string {
  const rows: string[][] = [['Group', 'Title', 'Username', 'Password', 'URL', 'Notes', 'TOTP', 'Icon', 'Last Modified', 'Created']];
  for (const e of db.entries()) {
    if (db.isInRecycleBin(e)) continue;
    const group = [db.root.name, ...(e.parent?.names() ?? [])].join('/');
    rows.push([group, e.title, e.get('UserName'), e.get('Password'), e.get('URL'), e.get('Notes'), e.get('otp'), String(e.iconId), e.times.lastModification.toISOString(), e.times.creation.toISOString()]);
  }
  return stringify(opts.raw ? rows : rows.map((r) => r.map(neutraliseFormula)), { quoted: true });
}
