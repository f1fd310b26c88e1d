/**
 * Unencrypted KeePass XML (KeePass "XML 2.x" export, keepassxc-cli
 * `export -f xml` / `import`): the same document as inside a KDBX file, with
 * protected values in clear text.
 */
import { XmlCursor } from '../xml/index.js';
import type { Database } from '../model/index.js';
import { readDatabase } from './read-xml.js';
import { writeDatabase } from './write-xml.js';

export function readXmlExport(text: string): Database {
  return readDatabase(new XmlCursor(text), []);
}

export function writeXmlExport(db: Database): string {
  return writeDatabase(db, 0, { plain: true }).xml.toString('utf8');
}
