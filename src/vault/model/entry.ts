/**
 * An entry: string fields (standard and custom, protected or not),
 * attachments, history, CustomData, and whatever else the file carried that
 * we do not model (`extra`, written back verbatim).
 */
import { ProtectedValue } from '../../secret/index.js';
import type { XmlElement } from '../xml/index.js';
import { cloneNode, el, parent } from '../xml/index.js';
import { cloneTimes, newTimes, type Times } from './times.js';
import { newUuid } from './uuid.js';
import type { Group } from './group.js';
import { joinPath } from './path.js';

export type FieldValue = string | ProtectedValue;

/** Attachment bytes are immutable once stored, so history copies share them. */
export interface Attachment {
  data: Uint8Array;
  protect: boolean;
}

export interface CustomDataItem {
  value: string;
  lastModified?: Date;
}

export const STANDARD_FIELDS = ['Title', 'UserName', 'Password', 'URL', 'Notes'] as const;
const STANDARD_BY_LOWER = new Map(STANDARD_FIELDS.map((f) => [f.toLowerCase(), f]));
STANDARD_BY_LOWER.set('username', 'UserName').set('user', 'UserName').set('pass', 'Password');

/** `password` → `Password`, `USERNAME` → `UserName`; custom names unchanged. */
export function canonicalFieldName(name: string): string {
  return STANDARD_BY_LOWER.get(name.toLowerCase()) ?? name;
}

/** KeePassXC's AutoType for a new entry. */
export function defaultAutoType(): XmlElement {
  return parent('AutoType', [el('Enabled', 'True'), el('DataTransferObfuscation', '0')]);
}

export class Entry {
  uuid: string;
  iconId = 0;
  customIconUuid?: string;
  foregroundColor = '';
  backgroundColor = '';
  overrideUrl = '';
  tags: string[] = [];
  times: Times;
  qualityCheck = true;
  previousParentGroup?: string;
  fields = new Map<string, FieldValue>();
  /** The AutoType element, kept as read (we do not edit auto-type); new entries get KeePassXC's default. */
  autoType?: XmlElement;
  // Made on first use: nearly every entry has neither, and their two empty
  // Maps were ~3 MB and ~40k objects of a 10k-entry model (heap snapshot).
  #attachments?: Map<string, Attachment>;
  #customData?: Map<string, CustomDataItem>;
  history: Entry[] = [];
  extra: XmlElement[] = [];
  parent?: Group;

  get attachments(): Map<string, Attachment> {
    return (this.#attachments ??= new Map());
  }

  set attachments(m: Map<string, Attachment>) {
    this.#attachments = m;
  }

  get customData(): Map<string, CustomDataItem> {
    return (this.#customData ??= new Map());
  }

  set customData(m: Map<string, CustomDataItem>) {
    this.#customData = m;
  }

  /** Whether there are any, without making the map. */
  get hasAttachments(): boolean {
    return Boolean(this.#attachments?.size);
  }

  get hasCustomData(): boolean {
    return Boolean(this.#customData?.size);
  }

  /** `autoType` null: none yet (the reader sets what the file has, or the default after). */
  constructor(uuid = newUuid(), times: Times = newTimes(), autoType: XmlElement | null = defaultAutoType()) {
    this.uuid = uuid;
    this.times = times;
    if (autoType) this.autoType = autoType;
  }

  /** A field's plaintext ('' when absent). Unmasks protected values: use at the point of use. */
  get(name: string): string {
    const v = this.fields.get(canonicalFieldName(name));
    if (v === undefined) return '';
    return typeof v === 'string' ? v : v.getText();
  }

  has(name: string): boolean {
    return this.fields.has(canonicalFieldName(name));
  }

  isProtected(name: string): boolean {
    return this.fields.get(canonicalFieldName(name)) instanceof ProtectedValue;
  }

  /** Set a field; `protect` defaults to true for Password and for already protected fields. */
  set(name: string, value: FieldValue, protect?: boolean): void {
    const key = canonicalFieldName(name);
    const shouldProtect = protect ?? (key === 'Password' || this.isProtected(key) || value instanceof ProtectedValue);
    const old = this.fields.get(key);
    if (old instanceof ProtectedValue && old !== value) old.wipe();
    if (shouldProtect) this.fields.set(key, typeof value === 'string' ? ProtectedValue.fromString(value) : value);
    else this.fields.set(key, typeof value === 'string' ? value : value.getText());
  }

  delete(name: string): void {
    const key = canonicalFieldName(name);
    const old = this.fields.get(key);
    if (old instanceof ProtectedValue) old.wipe();
    this.fields.delete(key);
  }

  get title(): string {
    return this.get('Title');
  }

  /** Names of custom (non-standard) string fields, in file order. */
  customFieldNames(): string[] {
    return [...this.fields.keys()].filter((k) => !(STANDARD_FIELDS as readonly string[]).includes(k));
  }

  /** A deep copy; history is copied too unless `withHistory` is false. Not attached to a group. */
  clone(withHistory = true): Entry {
    const e = new Entry(this.uuid, cloneTimes(this.times), null);
    e.iconId = this.iconId;
    e.customIconUuid = this.customIconUuid;
    e.foregroundColor = this.foregroundColor;
    e.backgroundColor = this.backgroundColor;
    e.overrideUrl = this.overrideUrl;
    e.tags = [...this.tags];
    e.qualityCheck = this.qualityCheck;
    e.previousParentGroup = this.previousParentGroup;
    for (const [k, v] of this.fields) e.fields.set(k, typeof v === 'string' ? v : v.clone());
    if (this.hasAttachments) for (const [k, v] of this.attachments) e.attachments.set(k, { ...v });
    e.autoType = this.autoType && cloneNode(this.autoType);
    if (this.hasCustomData) for (const [k, v] of this.customData) e.customData.set(k, { ...v });
    if (withHistory) e.history = this.history.map((h) => h.clone(false));
    e.extra = this.extra.map(cloneNode);
    return e;
  }

  /** Zero every protected value, history included. */
  wipe(): void {
    for (const v of this.fields.values()) if (v instanceof ProtectedValue) v.wipe();
    for (const h of this.history) h.wipe();
  }

  /** Path as keepassxc-cli prints it: groups below the root, then the title (a `/` in a name as `\/`). */
  path(): string {
    const parts: string[] = [this.title];
    for (let g = this.parent; g && g.parent; g = g.parent) parts.unshift(g.name);
    return joinPath(parts);
  }
}
