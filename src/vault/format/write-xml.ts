/**
 * Model → KDBX 4.x XML tree, in KeePassXC's element order (KdbxXmlWriter.cpp),
 * unknown elements appended where they were kept. Attachments go to the
 * inner-header pool, deduplicated by content. Protected values are left in
 * `node.secret` for the serializer to encrypt in document order.
 */
import { createHash } from 'node:crypto';
import { ProtectedValue } from '../../secret/index.js';
import { el, parent, type XmlElement } from '../xml/index.js';
import {
  type Database, type Entry, type Group, type Meta, type Attachment, type CustomDataItem, type Times,
  formatTime, uuidToBase64, STANDARD_FIELDS, KDBX3_ONLY_META,
} from '../model/index.js';

export interface WriteResult {
  doc: XmlElement;
  binaries: Attachment[];
}

const ZERO_B64 = 'AAAAAAAAAAAAAAAAAAAAAA==';
const b = (v: boolean) => (v ? 'True' : 'False');
const tri = (v: boolean | null) => (v === null ? 'null' : v ? 'true' : 'false');

/** KDBX 4.1 is needed for these features (KeePassXC's kdbxVersionRequired). */
export function needsKdbx41(db: Database): boolean {
  if (db.meta.customIcons.some((i) => i.name !== undefined || i.lastModified !== undefined)) return true;
  for (const g of db.root.allGroups()) {
    if (g.tags || g.previousParentGroup) return true;
    for (const e of g.entries) {
      if (!e.qualityCheck || e.previousParentGroup) return true;
      if (e.history.some((h) => !h.qualityCheck || h.previousParentGroup)) return true;
    }
  }
  return false;
}

/**
 * `plain` writes the unencrypted KeePass XML export instead: ISO times,
 * protected values in clear with ProtectInMemory="True", attachments in
 * Meta/Binaries (as KeePassXC's `export -f xml` does).
 */
export function writeDatabase(db: Database, minor: 0 | 1, plain = false): WriteResult {
  const pool = new BinaryPool();
  const time = (d: Date) => formatTime(d, !plain);
  const v41 = minor === 1;

  const writeTimes = (t: Times) =>
    parent('Times', [
      el('LastModificationTime', time(t.lastModification)),
      el('CreationTime', time(t.creation)),
      el('LastAccessTime', time(t.lastAccess)),
      el('ExpiryTime', time(t.expiry)),
      el('Expires', b(t.expires)),
      el('UsageCount', String(t.usageCount)),
      el('LocationChanged', time(t.locationChanged)),
      ...(t.extra ?? []),
    ]);

  const writeCustomData = (m: Map<string, CustomDataItem>, withTimes: boolean) =>
    parent('CustomData', [...m].map(([k, v]) => {
      const item = parent('Item', [el('Key', k), el('Value', v.value)]);
      if (withTimes && v.lastModified) item.children.push(el('LastModificationTime', time(v.lastModified)));
      return item;
    }));

  const protectField = (key: string, v: string | ProtectedValue) =>
    v instanceof ProtectedValue || ((STANDARD_FIELDS as readonly string[]).includes(key) && db.meta.protects(key));

  const writeEntry = (e: Entry, inHistory: boolean): XmlElement => {
    const n = parent('Entry', [el('UUID', uuidToBase64(e.uuid)), el('IconID', String(e.iconId))]);
    const c = n.children;
    if (e.customIconUuid) c.push(el('CustomIconUUID', uuidToBase64(e.customIconUuid)));
    c.push(el('ForegroundColor', e.foregroundColor), el('BackgroundColor', e.backgroundColor), el('OverrideURL', e.overrideUrl));
    // ';' is KeePass 2's separator: KeePassXC reads it too, pykeepass reads only it.
    c.push(el('Tags', e.tags.join(';')), writeTimes(e.times));
    if (v41 && !e.qualityCheck) c.push(el('QualityCheck', 'False'));
    if (v41 && e.previousParentGroup) c.push(el('PreviousParentGroup', uuidToBase64(e.previousParentGroup)));
    for (const [key, v] of e.fields) {
      const value = el('Value');
      if (protectField(key, v) && plain) {
        value.attrs = { ProtectInMemory: 'True' };
        value.text = typeof v === 'string' ? v : v.getText();
      } else if (protectField(key, v)) {
        value.attrs = { Protected: 'True' };
        value.secret = typeof v === 'string' ? ProtectedValue.fromString(v) : v;
      } else value.text = v as string;
      c.push(parent('String', [el('Key', key), value]));
    }
    for (const [key, att] of e.attachments) {
      c.push(parent('Binary', [el('Key', key), el('Value', '', { Ref: String(pool.ref(att)) })]));
    }
    c.push(e.autoType ?? parent('AutoType', [el('Enabled', 'True'), el('DataTransferObfuscation', '0')]));
    if (e.customData.size) c.push(writeCustomData(e.customData, false));
    c.push(...e.extra);
    if (!inHistory) c.push(parent('History', e.history.map((h) => writeEntry(h, true))));
    return n;
  };

  const writeGroup = (g: Group): XmlElement => {
    const n = parent('Group', [el('UUID', uuidToBase64(g.uuid)), el('Name', g.name), el('Notes', g.notes)]);
    const c = n.children;
    if (v41 && g.tags) c.push(el('Tags', g.tags));
    c.push(el('IconID', String(g.iconId)));
    if (g.customIconUuid) c.push(el('CustomIconUUID', uuidToBase64(g.customIconUuid)));
    c.push(
      writeTimes(g.times),
      el('IsExpanded', b(g.isExpanded)),
      el('DefaultAutoTypeSequence', g.defaultAutoTypeSequence),
      el('EnableAutoType', tri(g.enableAutoType)),
      el('EnableSearching', tri(g.enableSearching)),
      el('LastTopVisibleEntry', uuidToBase64(g.lastTopVisibleEntry)),
    );
    if (g.customData.size) c.push(writeCustomData(g.customData, false));
    if (v41 && g.previousParentGroup) c.push(el('PreviousParentGroup', uuidToBase64(g.previousParentGroup)));
    c.push(...g.extra);
    for (const e of g.entries) c.push(writeEntry(e, false));
    for (const sub of g.groups) c.push(writeGroup(sub));
    return n;
  };

  const writeMeta = (m: Meta): XmlElement => {
    const children: XmlElement[] = [];
    let hadIcons = false;
    let hadCustomData = false;
    for (const node of m.nodes) {
      if (KDBX3_ONLY_META.has(node.name)) continue;
      if (node.name === 'CustomIcons') {
        hadIcons = true;
        children.push(writeIcons(m, v41, time));
      } else if (node.name === 'CustomData') {
        hadCustomData = true;
        children.push(writeCustomData(m.customData, v41));
      } else children.push(node);
    }
    if (!hadIcons && m.customIcons.length) children.push(writeIcons(m, v41, time));
    if (!hadCustomData && m.customData.size) children.push(writeCustomData(m.customData, v41));
    return parent('Meta', children);
  };

  const rootGroup = writeGroup(db.root);
  const meta = writeMeta(db.meta);
  if (plain && pool.items.length) {
    meta.children.push(parent('Binaries', pool.items.map((a, i) => el('Binary', Buffer.from(a.data).toString('base64'), { ID: String(i), Compressed: 'False' }))));
  }
  const deleted = parent('DeletedObjects', [...db.deletedObjects].map(([id, at]) =>
    parent('DeletedObject', [el('UUID', uuidToBase64(id)), el('DeletionTime', time(at))])));
  const root = parent('Root', [rootGroup, deleted, ...db.rootExtra]);
  const doc = parent('KeePassFile', [meta, root, ...db.fileExtra]);
  return { doc, binaries: pool.items };
}

function writeIcons(m: Meta, v41: boolean, time: (d: Date) => string): XmlElement {
  return parent('CustomIcons', m.customIcons.map((i) => {
    const n = parent('Icon', [el('UUID', uuidToBase64(i.uuid)), el('Data', Buffer.from(i.data).toString('base64'))]);
    if (v41 && i.name !== undefined) n.children.push(el('Name', i.name));
    if (v41 && i.lastModified) n.children.push(el('LastModificationTime', time(i.lastModified)));
    return n;
  }));
}

/** The inner-header attachment pool: identical contents are stored once. */
class BinaryPool {
  items: Attachment[] = [];
  #byObject = new Map<Uint8Array, number>();
  #byHash = new Map<string, number>();

  ref(att: Attachment): number {
    let id = this.#byObject.get(att.data);
    if (id === undefined) {
      const hash = createHash('sha256').update(att.data).digest('base64');
      id = this.#byHash.get(hash);
      if (id === undefined) {
        id = this.items.length;
        this.items.push({ data: att.data, protect: false });
        this.#byHash.set(hash, id);
      }
      this.#byObject.set(att.data, id);
    }
    // One stored copy serves every reference: protect it if any reference asks.
    if (att.protect) this.items[id].protect = true;
    return id;
  }
}

export { ZERO_B64 };
