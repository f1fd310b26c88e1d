/**
 * Canonical XML for "lossless" comparisons: attributes sorted, protected
 * values in clear, times normalised (3.x ISO and 4.x base64 compare equal),
 * and siblings of different names compared as per-name sequences (KeePass
 * readers ignore the order of differently named elements; order among
 * same-named siblings — entries, strings, history — is kept).
 */
import { readFileSync } from 'node:fs';
import { parseXml, decodeUtf8, type XmlElement } from '../../src/vault/xml/index.js';
import { applyInnerStream } from '../../src/vault/format/read-xml.js';
import { parseTime } from '../../src/vault/format/times.js';
import { readOuterHeader, transformKey, decryptKdbx, createInnerStream } from '../../src/vault/kdbx/index.js';
import { credentialsToComposite, type CredentialParts as Credentials } from '../../src/vault/index.js';

const TIME_ELEMENTS = new Set(['LastModificationTime', 'CreationTime', 'LastAccessTime', 'ExpiryTime', 'LocationChanged', 'DeletionTime', 'DatabaseNameChanged', 'DatabaseDescriptionChanged', 'DefaultUserNameChanged', 'MasterKeyChanged', 'RecycleBinChanged', 'EntryTemplatesGroupChanged', 'SettingsChanged']);

export function canonical(n: XmlElement, drop: Set<string> = new Set()): unknown {
  const attrs = Object.entries(n.attrs ?? {}).filter(([k]) => k !== 'Protected' && k !== 'ProtectInMemory').sort();
  let text = n.secret ? n.secret.getText() : n.text;
  if (TIME_ELEMENTS.has(n.name) && text) text = String(parseTime(text).getTime());
  const byName = new Map<string, unknown[]>();
  for (const c of n.children) {
    if (drop.has(c.name)) continue;
    if (!byName.has(c.name)) byName.set(c.name, []);
    byName.get(c.name)!.push(canonical(c, drop));
  }
  return { n: n.name, a: attrs, t: text, c: [...byName].sort(([a], [b]) => (a < b ? -1 : 1)) };
}

/** The decrypted XML tree of a KDBX file, protected values decrypted. */
export async function decryptedTree(file: Uint8Array, creds: Credentials): Promise<XmlElement> {
  const header = readOuterHeader(file);
  const composite = credentialsToComposite(creds);
  const key = await transformKey(composite, header.kdf);
  const { inner, xml } = decryptKdbx(file, header, key);
  const doc = parseXml(decodeUtf8(xml));
  const stream = header.version.major < 4 ? createInnerStream(2, header.protectedStreamKey!) : createInnerStream(inner.streamId, inner.streamKey);
  applyInnerStream(doc, (n) => stream.keystream(n));
  return doc;
}

export const readBytes = (p: string) => new Uint8Array(readFileSync(p));
