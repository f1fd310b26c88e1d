/**
 * Import from and export to other password managers' files. Imports add
 * fresh copies below a group of the open vault; exports are plaintext.
 */
import { basename, extname } from 'node:path';
import { UsageError } from '../errors/index.js';
import { writeXmlExport, entrySummary, type Database } from '../vault/index.js';
import { readCsv, writeCsv } from './csv.js';
import { readBitwardenJson } from './bitwarden.js';
import { addItems } from './items.js';
import { importXmlTree } from './keepass-xml.js';
import { importKdbTree } from './kdb.js';
import { ImportTarget, type ImportOptions } from './existing.js';
import type { KdbDatabase } from '../vault/index.js';

export type ImportFormat = 'keepass-xml' | 'kdb' | 'bitwarden-json' | 'csv';
export type ExportFormat = 'xml' | 'csv' | 'json';
export const IMPORT_FORMATS: ImportFormat[] = ['keepass-xml', 'kdb', 'bitwarden-json', 'csv'];

/** By content first (signatures, root element), then by extension. */
export function detectFormat(path: string, bytes: Uint8Array): ImportFormat {
  if (bytes.length >= 8 && Buffer.from(bytes.subarray(0, 8)).equals(Buffer.from([0x03, 0xd9, 0xa2, 0x9a, 0x65, 0xfb, 0x4b, 0xb5]))) return 'kdb';
  const head = Buffer.from(bytes.subarray(0, 4096)).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (head.startsWith('<') && head.includes('<KeePassFile')) return 'keepass-xml';
  if (head.startsWith('{') && head.includes('"items"')) return 'bitwarden-json';
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.xml') return 'keepass-xml';
  if (ext === '.kdb') return 'kdb';
  if (ext === '.json') return 'bitwarden-json';
  throw new UsageError(`cannot tell the format of ${basename(path)}; give --format ${IMPORT_FORMATS.join('|')}`);
}

export interface ImportResult {
  /** Entries added. */
  count: number;
  /** Groups the import brought (KeePass XML and .kdb: every group of the file, empty ones too). */
  groups?: number;
  /** Entries whose content was already in the import group (skipped with skipExisting, else added again). */
  duplicates: number;
  groupPath: string;
  detail: string;
  /** Items not imported, counted by kind ("2 SSH keys"): said in a warning, never dropped silently. */
  notImported: string[];
}

/** Import `bytes` into `db` below `intoPath`. `.kdb` files are decoded by the caller (they need a password). */
export function importInto(db: Database, intoPath: string[], format: Exclude<ImportFormat, 'kdb'>, bytes: Uint8Array, opts: ImportOptions = {}): ImportResult {
  const target = new ImportTarget(db.root, intoPath, opts.skipExisting);
  const text = Buffer.from(bytes).toString('utf8');
  if (format === 'keepass-xml') {
    const { groups, entries } = importXmlTree(target, text);
    return { count: entries, groups, duplicates: target.duplicates, groupPath: target.into.path(), detail: 'KeePass XML', notImported: [] };
  }
  if (format === 'bitwarden-json') {
    const { items, notImported } = readBitwardenJson(text);
    const count = addItems(target, items, opts);
    return { count, duplicates: target.duplicates, groupPath: target.into.path(), detail: 'Bitwarden JSON', notImported };
  }
  const { layout, items } = readCsv(text);
  const count = addItems(target, items, opts);
  return { count, duplicates: target.duplicates, groupPath: target.into.path(), detail: `${layout} CSV`, notImported: [] };
}

/** A decoded KeePass 1 file into `db` below `intoPath`: its whole tree. */
export function importKdb(db: Database, intoPath: string[], kdb: KdbDatabase, opts: ImportOptions = {}): ImportResult {
  const target = new ImportTarget(db.root, intoPath, opts.skipExisting);
  const { groups, entries } = importKdbTree(db, target, kdb);
  const notImported = kdb.unknownMetaStreams.length ? [`${kdb.unknownMetaStreams.length} KeePass 1 meta-stream(s) KeePassXC ignores too (${[...new Set(kdb.unknownMetaStreams)].slice(0, 3).join(', ')})`] : [];
  return { count: entries, groups, duplicates: target.duplicates, groupPath: target.into.path(), detail: `KeePass 1 .kdb${kdb.cipher === 'twofish' ? ' (Twofish)' : ''}`, notImported };
}

export function exportVault(db: Database, format: ExportFormat, opts: { rawCsv?: boolean } = {}): string {
  if (format === 'xml') return writeXmlExport(db);
  if (format === 'csv') return writeCsv(db, { raw: opts.rawCsv });
  const out = [...db.entries()].filter((e) => !db.isInRecycleBin(e)).map((e) => {
    const s = entrySummary(e);
    const fields: Record<string, string> = {};
    for (const name of e.customFieldNames()) fields[name] = e.get(name);
    return { ...s, password: e.get('Password'), notes: e.get('Notes'), fields, created: e.times.creation.toISOString() };
  });
  return JSON.stringify(out, null, 2) + '\n';
}

export type { ImportedItem } from './items.js';
export type { ImportOptions } from './existing.js';
export { neutraliseFormula } from './csv.js';
