/**
 * Meta's fields ↔ their elements (docs/kdbx.md §9): which fields the model
 * reads as plain values, how each is read from its element, and the element
 * a field set by stickvault is written as. A field read from the file keeps
 * its element (model/meta.ts), so what stickvault does not change is written
 * back byte for byte.
 */
import { el, parent, type XmlElement } from '../xml/index.js';
import type { MetaField, MetaValue } from '../model/index.js';
import { formatTime, parseTime } from './times.js';
import { uuidFromBase64, uuidToBase64 } from './uuid.js';
import { unmodelled, unmodelledText, xmlOf } from './unmodelled.js';

/** The stamps merge compares (each register's *Changed time, MasterKeyChanged). */
const TIMES = new Set(['DatabaseNameChanged', 'DatabaseDescriptionChanged', 'DefaultUserNameChanged', 'EntryTemplatesGroupChanged', 'SettingsChanged', 'RecycleBinChanged', 'MasterKeyChanged']);
/** Fields whose text value is a UUID (hex in the model, base64 in the file). */
const UUIDS = new Set(['RecycleBinUUID', 'EntryTemplatesGroup', 'LastSelectedGroup', 'LastTopVisibleGroup']);

const integer = (text: string, dflt: number) => {
  const n = Number(text);
  return Number.isInteger(n) ? n : dflt;
};

/** The value the model reads of a field's element, or undefined for a field it does not model. */
function valueOf(n: XmlElement): MetaValue | undefined {
  if (TIMES.has(n.name)) return parseTime(n.text);
  switch (n.name) {
    case 'DatabaseName': return n.text;
    case 'RecycleBinEnabled': return n.text.toLowerCase() === 'true';
    case 'RecycleBinUUID': return uuidFromBase64(n.text);
    case 'HistoryMaxItems': return integer(n.text, 10);
    case 'HistoryMaxSize': return integer(n.text, 6291456);
    case 'MemoryProtection': {
      const flags: Record<string, boolean> = Object.create(null);
      for (const c of n.children) {
        const field = c.name.startsWith('Protect') ? c.name.slice(7) : '';
        if (field && !(field in flags)) flags[field] = c.text.toLowerCase() === 'true';
      }
      return flags;
    }
  }
  return undefined;
}

/** A field as read: its value (for the fields the model reads) and its element. */
export function metaFieldOf(n: XmlElement): MetaField {
  return { name: n.name, value: valueOf(n), xml: unmodelled(n) };
}

/** The element a field is written as: as read, or made from the value stickvault gave it (with the attributes the element had). */
export function metaXml(f: MetaField): XmlElement {
  if (f.xml) return xmlOf(f.xml);
  const n = elementOf(f);
  const attrs = f.was && xmlOf(f.was).attrs;
  if (attrs) n.attrs = { ...attrs };
  return n;
}

function elementOf(f: MetaField): XmlElement {
  const v = f.value;
  if (typeof v === 'string') return el(f.name, UUIDS.has(f.name) ? uuidToBase64(v) : v);
  if (typeof v === 'number') return el(f.name, String(v));
  if (typeof v === 'boolean') return el(f.name, v ? 'True' : 'False');
  // Meta times set by stickvault have always been written in the 4.x form, whatever the version.
  if (v instanceof Date) return el(f.name, formatTime(v, true));
  if (v) return parent(f.name, Object.entries(v).map(([field, on]) => el(`Protect${field}`, on ? 'True' : 'False')));
  return el(f.name);
}

/** A field's element as text merge can compare (see unmodelledText). */
export function metaFieldText(f: MetaField): string {
  return unmodelledText(unmodelled(metaXml(f)));
}

/** A field's text as the file has it (Meta/HeaderHash, checked by the 3.x reader). */
export function metaText(f: MetaField): string {
  return metaXml(f).text;
}
