/**
 * Database metadata. Meta has some twenty fields and we act on a handful, so
 * it is kept as its fields in file order: the ones stickvault reads as plain
 * values (text, numbers, flags, times, UUIDs as hex), the others as
 * unmodelled XML; a field read from the file keeps its element and is written
 * back as it was until it is set. CustomData and CustomIcons are modelled
 * because other code edits them. The file's encodings are vault/format's.
 */
import type { CustomDataItem } from './entry.js';
import { nowSeconds } from './times.js';
import { ZERO_UUID } from './uuid.js';
import type { UnmodelledXml } from './unmodelled.js';

export interface CustomIcon {
  uuid: string;
  data: Uint8Array;
  name?: string;
  lastModified?: Date;
}

/** Meta/MemoryProtection: whether each standard field (by name: Title, UserName, …) is written protected. */
export type MemoryProtection = Readonly<Record<string, boolean>>;

/** A field's value: text, a number, a flag, a time, a UUID (hex), or MemoryProtection's flags. */
export type MetaValue = string | number | boolean | Date | MemoryProtection;

export interface MetaField {
  readonly name: string;
  /** The value, for the fields stickvault reads and those it set; undefined for what it does not model. */
  readonly value?: MetaValue;
  /** The element as the file had it, written back while the field is not set. */
  readonly xml?: UnmodelledXml;
  /** For a field set since: the element it had, whose attributes the new one keeps. */
  readonly was?: UnmodelledXml;
}

export class Meta {
  /** In file order; fields are never changed in place (merge shares them between databases). */
  fields: MetaField[] = [];
  customData = new Map<string, CustomDataItem>();
  customIcons: CustomIcon[] = [];

  field(name: string): MetaField | undefined {
    return this.fields.find((f) => f.name === name);
  }

  get(name: string): MetaValue | undefined {
    return this.field(name)?.value;
  }

  /** Gives the field a new value (in its place, or last when new). */
  set(name: string, value: MetaValue): void {
    const old = this.field(name);
    const was = old?.xml ?? old?.was;
    this.put(was ? { name, value, was } : { name, value });
  }

  /** Puts `field` in place of the field of its name (or last when new). */
  put(field: MetaField): void {
    const i = this.fields.findIndex((f) => f.name === field.name);
    if (i >= 0) this.fields[i] = field;
    else this.fields.push(field);
  }

  get databaseName(): string {
    const v = this.get('DatabaseName');
    return typeof v === 'string' ? v : '';
  }
  set databaseName(v: string) {
    this.set('DatabaseName', v);
    this.set('DatabaseNameChanged', nowSeconds());
  }

  get recycleBinEnabled(): boolean {
    const v = this.get('RecycleBinEnabled');
    return typeof v === 'boolean' ? v : true;
  }

  get recycleBinUuid(): string {
    const v = this.get('RecycleBinUUID');
    return typeof v === 'string' ? v : ZERO_UUID;
  }
  set recycleBinUuid(hex: string) {
    this.set('RecycleBinUUID', hex);
    this.set('RecycleBinChanged', nowSeconds());
  }

  /** −1 means unlimited. */
  get historyMaxItems(): number {
    const v = this.get('HistoryMaxItems');
    return typeof v === 'number' ? v : 10;
  }
  set historyMaxItems(n: number) {
    this.set('HistoryMaxItems', n);
  }
  get historyMaxSize(): number {
    const v = this.get('HistoryMaxSize');
    return typeof v === 'number' ? v : 6291456;
  }
  set historyMaxSize(n: number) {
    this.set('HistoryMaxSize', n);
  }

  /** Whether a standard field is written protected (without MemoryProtection's word: only Password). */
  protects(field: string): boolean {
    const v = this.get('MemoryProtection');
    const flag = typeof v === 'object' && !(v instanceof Date) ? v[field] : undefined;
    return flag ?? field === 'Password';
  }
}

/** Meta of a new database, in KeePassXC's field order. */
export function newMeta(name: string): Meta {
  const now = nowSeconds();
  const m = new Meta();
  const t = (n: string, v: MetaValue) => m.fields.push({ name: n, value: v });
  t('Generator', 'stickvault');
  t('DatabaseName', name);
  t('DatabaseNameChanged', now);
  t('DatabaseDescription', '');
  t('DatabaseDescriptionChanged', now);
  t('DefaultUserName', '');
  t('DefaultUserNameChanged', now);
  t('MaintenanceHistoryDays', '365');
  t('Color', '');
  t('MasterKeyChanged', now);
  t('MasterKeyChangeRec', '-1');
  t('MasterKeyChangeForce', '-1');
  t('MemoryProtection', { Title: false, UserName: false, Password: true, URL: false, Notes: false });
  m.fields.push({ name: 'CustomIcons' });
  t('RecycleBinEnabled', true);
  t('RecycleBinUUID', ZERO_UUID);
  t('RecycleBinChanged', now);
  t('EntryTemplatesGroup', ZERO_UUID);
  t('EntryTemplatesGroupChanged', now);
  t('LastSelectedGroup', ZERO_UUID);
  t('LastTopVisibleGroup', ZERO_UUID);
  t('HistoryMaxItems', 10);
  t('HistoryMaxSize', 6291456);
  t('SettingsChanged', now);
  m.fields.push({ name: 'CustomData' });
  return m;
}
