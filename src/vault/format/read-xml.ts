/**
 * KDBX XML tree → model. Follows KeePassXC's reader (KdbxXmlReader.cpp):
 * any element order, tolerant value parsing, unknown elements kept in
 * `extra` so they are written back. Protected values must already be
 * decrypted into `node.secret` (see applyInnerStream).
 */
import { gunzipSync } from 'node:zlib';
import { CorruptFileError, untrusted } from '../../errors/index.js';
import { ProtectedValue } from '../../secret/index.js';
import { type XmlElement, isTrueAttr } from '../xml/index.js';
import {
  Database, Entry, Group, Meta, type Attachment, type CustomDataItem, type CustomIcon, type Times,
  newTimes, parseTime, uuidFromBase64, newUuid, ZERO_UUID,
} from '../model/index.js';

/**
 * XOR every Protected="True" element's base64 value with the next bytes of
 * the inner stream, in document order (history and protected binaries
 * included; empty values consume nothing), as KeePass and kdbxweb do.
 */
export function applyInnerStream(root: XmlElement, keystream: (n: number) => Uint8Array): void {
  const stack: XmlElement[] = [root];
  const decrypt = protectedValueDecryptor(keystream);
  while (stack.length) {
    const node = stack.pop()!;
    if (node.attrs) decrypt(node);
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
  }
}

/** The same, one element at a time, for the parser's in-order leaf callback. */
export function protectedValueDecryptor(keystream: (n: number) => Uint8Array): (node: XmlElement) => void {
  return (node) => {
    if (!node.attrs || !isTrueAttr(node.attrs.Protected)) return;
    const data = Buffer.from(node.text, 'base64');
    const ks = keystream(data.length);
    node.secret = ProtectedValue.fromXored(data, ks);
    ks.fill(0);
    data.fill(0);
    node.text = '';
  };
}

interface ReadContext {
  /** Inner-header (4.x) or Meta/Binaries (3.x) attachment pool by id. */
  binaries: Map<string, Attachment>;
}

const bool = (t: string | undefined, dflt = false) => (t ? t.toLowerCase() === 'true' : dflt);
const triState = (t: string | undefined): boolean | null => {
  const v = t?.toLowerCase();
  return v === 'true' ? true : v === 'false' ? false : null;
};
const int = (t: string | undefined, dflt: number) => {
  const n = t === undefined || t === '' ? NaN : Number(t);
  return Number.isInteger(n) ? n : dflt;
};
const uuidOr = (t: string | undefined, dflt: string) => uuidFromBase64(t) ?? dflt;

export function readDatabase(doc: XmlElement, innerBinaries: Attachment[]): Database {
  if (doc.name !== 'KeePassFile') throw new CorruptFileError(`corrupt file: XML root is ${untrusted(`<${doc.name}>`)}, not <KeePassFile>`);
  const ctx: ReadContext = { binaries: new Map(innerBinaries.map((b, i) => [String(i), b])) };
  const metaNode = doc.children.find((c) => c.name === 'Meta');
  const meta = metaNode ? readMeta(metaNode, ctx) : new Meta();
  const rootNode = doc.children.find((c) => c.name === 'Root');
  if (!rootNode) throw new CorruptFileError('corrupt file: XML has no <Root>');
  const groups = rootNode.children.filter((c) => c.name === 'Group');
  if (groups.length !== 1) throw new CorruptFileError(`corrupt file: <Root> must hold exactly one group, found ${groups.length}`);
  const db = new Database(meta, readGroup(groups[0], ctx, 0));
  for (const c of rootNode.children) {
    if (c.name === 'DeletedObjects') {
      for (const d of c.children) {
        const id = uuidFromBase64(d.children.find((x) => x.name === 'UUID')?.text);
        if (id) db.deletedObjects.set(id, parseTime(d.children.find((x) => x.name === 'DeletionTime')?.text));
      }
    } else if (c.name !== 'Group') db.rootExtra.push(c);
  }
  db.fileExtra = doc.children.filter((c) => c.name !== 'Meta' && c.name !== 'Root');
  return db;
}

function readMeta(node: XmlElement, ctx: ReadContext): Meta {
  const meta = new Meta();
  for (const c of node.children) {
    switch (c.name) {
      case 'Binaries': // 3.x attachment pool; consumed here, rebuilt on write
        for (const b of c.children) {
          const id = b.attrs?.ID;
          if (id === undefined) continue;
          let data: Uint8Array = b.secret ? b.secret.getBytes() : Buffer.from(b.text, 'base64');
          if (isTrueAttr(b.attrs?.Compressed)) data = gunzipLimited(data);
          ctx.binaries.set(id, { data, protect: Boolean(b.secret) });
        }
        break;
      case 'CustomData':
        readCustomData(c, meta.customData);
        meta.nodes.push({ name: 'CustomData', attrs: null, children: [], text: '' });
        break;
      case 'CustomIcons':
        for (const i of c.children) meta.customIcons.push(readIcon(i));
        meta.nodes.push({ name: 'CustomIcons', attrs: null, children: [], text: '' });
        break;
      case 'HeaderHash': // 3.x only; checked by the reader, never written in 4.x
        meta.nodes.push(c);
        break;
      default:
        meta.nodes.push(c);
    }
  }
  return meta;
}

function gunzipLimited(data: Uint8Array): Uint8Array {
  try {
    return gunzipSync(data, { maxOutputLength: 256 * 1024 * 1024 });
  } catch {
    throw new CorruptFileError('corrupt file: a compressed attachment does not decompress');
  }
}

function readIcon(node: XmlElement): CustomIcon {
  const icon: CustomIcon = { uuid: ZERO_UUID, data: new Uint8Array(0) };
  for (const c of node.children) {
    if (c.name === 'UUID') icon.uuid = uuidOr(c.text, newUuid());
    else if (c.name === 'Data') icon.data = Buffer.from(c.text, 'base64');
    else if (c.name === 'Name') icon.name = c.text;
    else if (c.name === 'LastModificationTime') icon.lastModified = parseTime(c.text);
  }
  return icon;
}

function readCustomData(node: XmlElement, into: Map<string, CustomDataItem>): void {
  for (const item of node.children) {
    let key: string | undefined;
    const entry: CustomDataItem = { value: '' };
    for (const c of item.children) {
      if (c.name === 'Key') key = c.text;
      else if (c.name === 'Value') entry.value = c.secret ? c.secret.getText() : c.text;
      else if (c.name === 'LastModificationTime') entry.lastModified = parseTime(c.text);
    }
    if (key !== undefined) into.set(key, entry);
  }
}

function readTimes(node: XmlElement): Times {
  const t = newTimes(new Date(0));
  for (const c of node.children) {
    switch (c.name) {
      case 'CreationTime': t.creation = parseTime(c.text); break;
      case 'LastModificationTime': t.lastModification = parseTime(c.text); break;
      case 'LastAccessTime': t.lastAccess = parseTime(c.text); break;
      case 'ExpiryTime': t.expiry = parseTime(c.text); break;
      case 'Expires': t.expires = bool(c.text); break;
      case 'UsageCount': t.usageCount = int(c.text, 0); break;
      case 'LocationChanged': t.locationChanged = parseTime(c.text); break;
      default: (t.extra ??= []).push(c);
    }
  }
  return t;
}

function readGroup(node: XmlElement, ctx: ReadContext, depth: number): Group {
  const g = new Group('', ZERO_UUID);
  let hasUuid = false;
  for (const c of node.children) {
    switch (c.name) {
      case 'UUID': { const id = uuidFromBase64(c.text); if (id) { g.uuid = id; hasUuid = true; } break; }
      case 'Name': g.name = c.text; break;
      case 'Notes': g.notes = c.text; break;
      case 'Tags': g.tags = c.text; break;
      case 'IconID': g.iconId = int(c.text, 48); break;
      case 'CustomIconUUID': g.customIconUuid = uuidFromBase64(c.text); break;
      case 'Times': g.times = readTimes(c); break;
      case 'IsExpanded': g.isExpanded = bool(c.text, true); break;
      case 'DefaultAutoTypeSequence': g.defaultAutoTypeSequence = c.text; break;
      case 'EnableAutoType': g.enableAutoType = triState(c.text); break;
      case 'EnableSearching': g.enableSearching = triState(c.text); break;
      case 'LastTopVisibleEntry': g.lastTopVisibleEntry = uuidOr(c.text, ZERO_UUID); break;
      case 'CustomData': readCustomData(c, g.customData); break;
      case 'PreviousParentGroup': g.previousParentGroup = uuidFromBase64(c.text); break;
      case 'Entry': g.addEntry(readEntry(c, ctx, false)); break;
      case 'Group': g.addGroup(readGroup(c, ctx, depth + 1)); break;
      default: g.extra.push(c);
    }
  }
  if (!hasUuid) g.uuid = newUuid(); // KeePassXC also replaces missing or invalid UUIDs
  return g;
}

function readEntry(node: XmlElement, ctx: ReadContext, inHistory: boolean): Entry {
  const e = new Entry(ZERO_UUID);
  let hasUuid = false;
  for (const c of node.children) {
    switch (c.name) {
      case 'UUID': { const id = uuidFromBase64(c.text); if (id) { e.uuid = id; hasUuid = true; } break; }
      case 'IconID': e.iconId = int(c.text, 0); break;
      case 'CustomIconUUID': e.customIconUuid = uuidFromBase64(c.text); break;
      case 'ForegroundColor': e.foregroundColor = c.text; break;
      case 'BackgroundColor': e.backgroundColor = c.text; break;
      case 'OverrideURL': e.overrideUrl = c.text; break;
      case 'Tags': e.tags = splitTags(c.text); break;
      case 'Times': e.times = readTimes(c); break;
      case 'QualityCheck': e.qualityCheck = bool(c.text, true); break;
      case 'PreviousParentGroup': e.previousParentGroup = uuidFromBase64(c.text); break;
      case 'String': readString(c, e); break;
      case 'Binary': readBinaryRef(c, e, ctx); break;
      case 'AutoType': e.autoType = c; break;
      case 'CustomData': readCustomData(c, e.customData); break;
      case 'History':
        if (inHistory) { e.extra.push(c); break; }
        for (const h of c.children) if (h.name === 'Entry') e.history.push(readEntry(h, ctx, true));
        break;
      default: e.extra.push(c);
    }
  }
  if (!hasUuid) e.uuid = newUuid();
  return e;
}

/** Entry tags: KeePassXC splits on , ; and TAB and trims. */
export function splitTags(text: string): string[] {
  return text.split(/[,;\t]/).map((t) => t.trim()).filter(Boolean);
}

function readString(node: XmlElement, e: Entry): void {
  let key: string | undefined;
  let value: string | ProtectedValue = '';
  for (const c of node.children) {
    if (c.name === 'Key') key = c.text;
    else if (c.name === 'Value') {
      if (c.secret) value = c.secret;
      else value = c.attrs && isTrueAttr(c.attrs.ProtectInMemory) ? ProtectedValue.fromString(c.text) : c.text;
    }
  }
  if (key === undefined) return;
  // KeePassXC errors on a duplicate key with a non-empty value; keep the first instead of failing the whole file.
  if (!e.fields.has(key)) e.fields.set(key, value);
}

function readBinaryRef(node: XmlElement, e: Entry, ctx: ReadContext): void {
  let key: string | undefined;
  let att: Attachment | undefined;
  for (const c of node.children) {
    if (c.name === 'Key') key = c.text;
    else if (c.name === 'Value') {
      const ref = c.attrs?.Ref;
      if (ref !== undefined) {
        att = ctx.binaries.get(ref);
        if (!att) throw new CorruptFileError(`corrupt file: attachment reference ${untrusted(String(ref))} has no binary`);
      } else {
        // Old 3.x files may inline the attachment.
        let data: Uint8Array = c.secret ? c.secret.getBytes() : Buffer.from(c.text, 'base64');
        if (isTrueAttr(c.attrs?.Compressed)) data = gunzipLimited(data);
        att = { data, protect: Boolean(c.secret) };
      }
    }
  }
  if (key !== undefined && att) e.attachments.set(key, att);
}
