/**
 * Model → KDBX XML (docs/kdbx.md §9), in KeePassXC's element order
 * (KdbxXmlWriter.cpp), unknown elements appended where they were kept;
 * version-specific elements as docs/kdbx.md §10 and §12 #10 say. Attachments
 * go to the inner-header pool, deduplicated by content (docs/kdbx.md §7).
 * Protected values are encrypted by the caller's `valueOf`, in document order
 * (docs/kdbx.md §8).
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { ProtectedValue } from '../../secret/index.js';
import { el, parent, XmlWriter, type XmlElement } from '../xml/index.js';
import {
  type Database, type Entry, type Group, type Meta, type Attachment, type CustomDataItem, type Times,
  STANDARD_FIELDS,
} from '../model/index.js';
import { formatTime } from './times.js';
import { uuidToBase64 } from './uuid.js';
import { DEFAULT_AUTO_TYPE, xmlOf } from './unmodelled.js';
import { metaXml } from './meta.js';

export interface WriteResult {
  /** UTF-8. */
  xml: Buffer;
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

export interface WriteOptions {
  /**
   * The unencrypted KeePass XML export instead: ISO times, protected values
   * in clear with ProtectInMemory="True", attachments in Meta/Binaries (as
   * KeePassXC's `export -f xml` does).
   */
  plain?: boolean;
  /** The text of each protected value, in document order (see XmlWriter). */
  protectedText?: (node: XmlElement) => string | undefined;
  /** Receives the document in UTF-8 pieces as it is written; the result's `xml` is then empty. */
  sink?: (utf8: Buffer) => void;
  /** The attachment pool, numbered beforehand (attachmentPool): the inner header that lists it is written first. */
  pool?: BinaryPool;
  /**
   * KDBX 3.1 instead of 4.x: ISO times, Meta/HeaderHash (base64 SHA-256 of
   * the outer header), attachments in Meta/Binaries (gzipped each when the
   * file is), no SettingsChanged (KeePassXC's Kdbx3Writer).
   */
  kdbx3?: { headerHash: string; compressed: boolean };
}

/**
 * Content a KDBX 3.1 file cannot hold (KeePassXC's kdbxVersionRequired):
 * the reason, or undefined when 3.1 can hold it all.
 */
export function kdbx4Reason(db: Database): string | undefined {
  if (needsKdbx41(db)) return 'it uses KDBX 4.1 features (group tags, a previous parent group, a quality-check flag or named icons)';
  for (const g of db.root.allGroups()) {
    if (g.customData.size) return `group ${g.path() || '(root)'} has custom data`;
    for (const e of g.entries) {
      if (e.hasCustomData || e.history.some((h) => h.hasCustomData)) return `entry ${e.path()} has custom data`;
    }
  }
  return undefined;
}

/**
 * The document is written as the model is walked, without an XML tree:
 * building and collecting one was most of the cost of a save.
 */
export function writeDatabase(db: Database, minor: 0 | 1, opts: WriteOptions = {}): WriteResult {
  const plain = Boolean(opts.plain);
  const pool = opts.pool ?? (plain ? attachmentPool(db) : new BinaryPool());
  const k3 = opts.kdbx3;
  const time = (d: Date) => formatTime(d, !plain && !k3);
  const v41 = minor === 1;
  const w = new XmlWriter(opts.protectedText, opts.sink);

  const writeTimes = (t: Times) => {
    w.open('Times');
    w.safeLeaf('LastModificationTime', time(t.lastModification));
    w.safeLeaf('CreationTime', time(t.creation));
    w.safeLeaf('LastAccessTime', time(t.lastAccess));
    w.safeLeaf('ExpiryTime', time(t.expiry));
    w.safeLeaf('Expires', b(t.expires));
    w.safeLeaf('UsageCount', String(t.usageCount));
    w.safeLeaf('LocationChanged', time(t.locationChanged));
    for (const x of t.extra ?? []) w.node(xmlOf(x));
    w.close('Times');
  };

  const writeCustomData = (m: Map<string, CustomDataItem>, withTimes: boolean) => {
    w.open('CustomData');
    for (const [k, v] of m) {
      w.open('Item');
      w.leaf('Key', k);
      w.leaf('Value', v.value);
      if (withTimes && v.lastModified) w.leaf('LastModificationTime', time(v.lastModified));
      w.close('Item');
    }
    w.close('CustomData');
  };

  // Meta's MemoryProtection flags, looked up once rather than per field of every entry.
  const protectedStandard = new Set<string>(STANDARD_FIELDS.filter((f) => db.meta.protects(f)));
  const protectField = (key: string, v: string | ProtectedValue) => v instanceof ProtectedValue || protectedStandard.has(key);

  const writeEntry = (e: Entry, inHistory: boolean) => {
    w.open('Entry');
    w.safeLeaf('UUID', uuidToBase64(e.uuid));
    w.safeLeaf('IconID', String(e.iconId));
    if (e.customIconUuid) w.safeLeaf('CustomIconUUID', uuidToBase64(e.customIconUuid));
    w.leaf('ForegroundColor', e.foregroundColor);
    w.leaf('BackgroundColor', e.backgroundColor);
    w.leaf('OverrideURL', e.overrideUrl);
    // ';' is KeePass 2's separator: KeePassXC reads it too, pykeepass reads only it.
    w.leaf('Tags', e.tags.join(';'));
    writeTimes(e.times);
    if (v41 && !e.qualityCheck) w.safeLeaf('QualityCheck', 'False');
    if (v41 && e.previousParentGroup) w.safeLeaf('PreviousParentGroup', uuidToBase64(e.previousParentGroup));
    for (const [key, v] of e.fields) {
      w.open('String');
      w.leaf('Key', key);
      const protect = protectField(key, v);
      if (protect && plain) w.leaf('Value', typeof v === 'string' ? v : v.getText(), PROTECT_IN_MEMORY);
      else if (protect) w.leaf('Value', '', PROTECTED, typeof v === 'string' ? ProtectedValue.fromString(v) : v);
      else w.leaf('Value', v as string);
      w.close('String');
    }
    if (e.hasAttachments) for (const [key, att] of e.attachments) {
      w.open('Binary');
      w.leaf('Key', key);
      w.leaf('Value', '', { Ref: String(pool.ref(att)) });
      w.close('Binary');
    }
    w.sharedNode(xmlOf(e.autoType ?? DEFAULT_AUTO_TYPE));
    if (e.hasCustomData) writeCustomData(e.customData, false);
    for (const x of e.extra) w.node(xmlOf(x));
    if (!inHistory) {
      w.open('History');
      for (const h of e.history) writeEntry(h, true);
      w.close('History');
    }
    w.close('Entry');
  };

  const writeGroup = (g: Group) => {
    w.open('Group');
    w.safeLeaf('UUID', uuidToBase64(g.uuid));
    w.leaf('Name', g.name);
    w.leaf('Notes', g.notes);
    if (v41 && g.tags) w.leaf('Tags', g.tags);
    w.safeLeaf('IconID', String(g.iconId));
    if (g.customIconUuid) w.safeLeaf('CustomIconUUID', uuidToBase64(g.customIconUuid));
    writeTimes(g.times);
    w.safeLeaf('IsExpanded', b(g.isExpanded));
    w.leaf('DefaultAutoTypeSequence', g.defaultAutoTypeSequence);
    w.safeLeaf('EnableAutoType', tri(g.enableAutoType));
    w.safeLeaf('EnableSearching', tri(g.enableSearching));
    w.safeLeaf('LastTopVisibleEntry', uuidToBase64(g.lastTopVisibleEntry));
    if (g.customData.size) writeCustomData(g.customData, false);
    if (v41 && g.previousParentGroup) w.safeLeaf('PreviousParentGroup', uuidToBase64(g.previousParentGroup));
    for (const x of g.extra) w.node(xmlOf(x));
    for (const e of g.entries) writeEntry(e, false);
    for (const sub of g.groups) writeGroup(sub);
    w.close('Group');
  };

  const writeMeta = (m: Meta) => {
    w.open('Meta');
    let hadIcons = false;
    let hadCustomData = false;
    let hadBinaries = false;
    const writeBinaries3 = () => {
      hadBinaries = true;
      if (!k3 || !pool.items.length) return;
      w.open('Binaries');
      pool.items.forEach((a, i) => {
        const data = k3.compressed ? gzipSync(a.data) : a.data;
        w.leaf('Binary', Buffer.from(data.buffer, data.byteOffset, data.length).toString('base64'), k3.compressed ? { ID: String(i), Compressed: 'True' } : { ID: String(i) });
      });
      w.close('Binaries');
    };
    if (k3 && !m.fields.some((f) => f.name === 'Generator')) w.safeLeaf('HeaderHash', k3.headerHash);
    for (const f of m.fields) {
      if (KDBX3_ONLY_META.has(f.name)) continue;
      if (k3 && f.name === 'SettingsChanged') continue;
      if (k3 && f.name === 'CustomData') writeBinaries3();
      if (f.name === 'CustomIcons') {
        hadIcons = true;
        w.node(writeIcons(m, v41, time));
      } else if (f.name === 'CustomData') {
        hadCustomData = true;
        writeCustomData(m.customData, v41);
      } else w.node(metaXml(f));
      if (k3 && f.name === 'Generator') w.safeLeaf('HeaderHash', k3.headerHash);
    }
    if (k3 && !hadBinaries) writeBinaries3();
    if (!hadIcons && m.customIcons.length) w.node(writeIcons(m, v41, time));
    if (!hadCustomData && m.customData.size) writeCustomData(m.customData, v41);
    if (plain) {
      // Meta comes first in the document and lists the pool, numbered beforehand (attachmentPool).
      if (pool.items.length) {
        w.open('Binaries');
        pool.items.forEach((a, i) => w.leaf('Binary', Buffer.from(a.data).toString('base64'), { ID: String(i), Compressed: 'False' }));
        w.close('Binaries');
      }
    }
    w.close('Meta');
  };

  w.open('KeePassFile');
  writeMeta(db.meta);
  w.open('Root');
  writeGroup(db.root);
  w.open('DeletedObjects');
  for (const [id, at] of db.deletedObjects) {
    w.open('DeletedObject');
    w.safeLeaf('UUID', uuidToBase64(id));
    w.safeLeaf('DeletionTime', time(at));
    w.close('DeletedObject');
  }
  w.close('DeletedObjects');
  for (const x of db.rootExtra) w.node(xmlOf(x));
  w.close('Root');
  for (const x of db.fileExtra) w.node(xmlOf(x));
  w.close('KeePassFile');
  return { xml: w.toBytes(), binaries: pool.items };
}

/** 3.x-only fields that a 4.x file must not carry (written anew for a 3.x file). */
const KDBX3_ONLY_META = new Set(['HeaderHash', 'Binaries']);
const PROTECTED = Object.freeze({ Protected: 'True' }) as Record<string, string>;
const PROTECT_IN_MEMORY = Object.freeze({ ProtectInMemory: 'True' }) as Record<string, string>;

function writeIcons(m: Meta, v41: boolean, time: (d: Date) => string): XmlElement {
  return parent('CustomIcons', m.customIcons.map((i) => {
    const n = parent('Icon', [el('UUID', uuidToBase64(i.uuid)), el('Data', Buffer.from(i.data).toString('base64'))]);
    if (v41 && i.name !== undefined) n.children.push(el('Name', i.name));
    if (v41 && i.lastModified) n.children.push(el('LastModificationTime', time(i.lastModified)));
    return n;
  }));
}

/**
 * The pool numbered before the document is written, in the order the writer
 * meets the references: what lists it (the 4.x inner header, the plain
 * export's Meta/Binaries) comes before the entries that use it.
 */
export function attachmentPool(db: Database): BinaryPool {
  const pool = new BinaryPool();
  for (const e of db.entries()) {
    if (e.hasAttachments) for (const att of e.attachments.values()) pool.ref(att);
    for (const h of e.history) if (h.hasAttachments) for (const att of h.attachments.values()) pool.ref(att);
  }
  return pool;
}

/** The inner-header attachment pool: identical contents are stored once. */
export class BinaryPool {
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
