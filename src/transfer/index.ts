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
import { kdbItems } from './kdb.js';

export type ImportFormat = 'keepass-xml' | 'kdb' | 'bitwarden-json' | 'csv';
export type ExportFormat = 'xml' | 'csv' | 'json';
export const IMPORT_FORMATS: ImportFormat[] = ['keepass-xml', 'kdb', 'bitwarden-json', 'csv'];
export const EXPORT_FORMATS: ExportFormat[] = ['xml', 'csv', 'json'];

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
  count: number;
  groupPath: string;
  detail: string;
}

/** Import `bytes` into `db` below `intoPath`. `.kdb` files are decoded by the caller (they need a password). */
export function importInto(db: Database, intoPath: string[], format: Exclude<ImportFormat, 'kdb'>, bytes: Uint8Array, onProgress?: (done: number, total: number) => void): ImportResult {
  const text = Buffer.from(bytes).toString('utf8');
  if (format === 'keepass-xml') {
    const { group, count } = importXmlTree(db, intoPath, text);
    return { count, groupPath: group.path(), detail: 'KeePass XML' };
  }
  if (format === 'bitwarden-json') {
    const items = readBitwardenJson(text);
    const g = addItems(db, intoPath, items, onProgress);
    return { count: items.length, groupPath: g.path(), detail: 'Bitwarden JSON' };
  }
  const { layout, items } = readCsv(text);
  const g = addItems(db, intoPath, items, onProgress);
  return { count: items.length, groupPath: g.path(), detail: `${layout} CSV` };
}

export function exportVault(db: Database, format: ExportFormat): string {
  if (format === 'xml') return writeXmlExport(db);
  if (format === 'csv') return writeCsv(db);
  const out = [...db.entries()].filter((e) => !db.isInRecycleBin(e)).map((e) => {
    const s = entrySummary(e);
    const fields: Record<string, string> = {};
    for (const name of e.customFieldNames()) fields[name] = e.get(name);
    return { ...s, password: e.get('Password'), notes: e.get('Notes'), fields, created: e.times.creation.toISOString() };
  });
  return JSON.stringify(out, null, 2) + '\n';
}

export { kdbItems, addItems };
export type { ImportedItem } from './items.js';
