/**
 * Database metadata. Meta has some twenty fields and we act on a handful, so
 * it is kept as its XML children in file order with typed accessors for the
 * fields we use; CustomData and CustomIcons are modelled because other code
 * edits them. Anything else round-trips untouched.
 */
import { el, type XmlElement } from '../xml/index.js';
import type { CustomDataItem } from './entry.js';
import { nowSeconds } from './times.js';
import { ZERO_UUID } from './uuid.js';
import { formatTime } from '../format/times.js';
import { uuidFromBase64, uuidToBase64 } from '../format/uuid.js';

export interface CustomIcon {
  uuid: string;
  data: Uint8Array;
  name?: string;
  lastModified?: Date;
}

/** 3.x-only fields that a 4.x file must not carry (the writer drops them). */
export const KDBX3_ONLY_META = new Set(['HeaderHash', 'Binaries']);

export class Meta {
  nodes: XmlElement[] = [];
  customData = new Map<string, CustomDataItem>();
  customIcons: CustomIcon[] = [];

  node(name: string): XmlElement | undefined {
    return this.nodes.find((n) => n.name === name);
  }

  text(name: string): string | undefined {
    return this.node(name)?.text;
  }

  setText(name: string, value: string): void {
    const n = this.node(name);
    if (n) {
      n.text = value;
      n.children = [];
    } else this.nodes.push(el(name, value));
  }

  get databaseName(): string {
    return this.text('DatabaseName') ?? '';
  }
  set databaseName(v: string) {
    this.setText('DatabaseName', v);
    this.setText('DatabaseNameChanged', formatTime(nowSeconds(), true));
  }

  get recycleBinEnabled(): boolean {
    return (this.text('RecycleBinEnabled') ?? 'True').toLowerCase() === 'true';
  }

  get recycleBinUuid(): string {
    return uuidFromBase64(this.text('RecycleBinUUID')) ?? ZERO_UUID;
  }
  set recycleBinUuid(hex: string) {
    this.setText('RecycleBinUUID', uuidToBase64(hex));
    this.setText('RecycleBinChanged', formatTime(nowSeconds(), true));
  }

  /** −1 means unlimited. */
  get historyMaxItems(): number {
    const n = Number(this.text('HistoryMaxItems') ?? 10);
    return Number.isInteger(n) ? n : 10;
  }
  get historyMaxSize(): number {
    const n = Number(this.text('HistoryMaxSize') ?? 6291456);
    return Number.isInteger(n) ? n : 6291456;
  }

  /** Meta/MemoryProtection: whether a standard field is written protected. */
  protects(field: string): boolean {
    const mp = this.node('MemoryProtection');
    const flag = mp?.children.find((c) => c.name === `Protect${field}`)?.text;
    if (flag === undefined) return field === 'Password';
    return flag.toLowerCase() === 'true';
  }
}

/** Meta of a new database, in KeePassXC's field order. */
export function newMeta(name: string, binaryTimes = true): Meta {
  const now = formatTime(nowSeconds(), binaryTimes);
  const m = new Meta();
  const t = (n: string, v: string) => m.nodes.push(el(n, v));
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
  m.nodes.push({
    name: 'MemoryProtection',
    attrs: null,
    text: '',
    children: [
      el('ProtectTitle', 'False'),
      el('ProtectUserName', 'False'),
      el('ProtectPassword', 'True'),
      el('ProtectURL', 'False'),
      el('ProtectNotes', 'False'),
    ],
  });
  m.nodes.push(el('CustomIcons'));
  t('RecycleBinEnabled', 'True');
  t('RecycleBinUUID', uuidToBase64(ZERO_UUID));
  t('RecycleBinChanged', now);
  t('EntryTemplatesGroup', uuidToBase64(ZERO_UUID));
  t('EntryTemplatesGroupChanged', now);
  t('LastSelectedGroup', uuidToBase64(ZERO_UUID));
  t('LastTopVisibleGroup', uuidToBase64(ZERO_UUID));
  t('HistoryMaxItems', '10');
  t('HistoryMaxSize', '6291456');
  t('SettingsChanged', now);
  m.nodes.push(el('CustomData'));
  return m;
}
