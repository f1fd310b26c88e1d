/**
 * An entry: string fields (standard and custom, protected or not),
 * attachments, history, CustomData, and whatever else the file carried that
 * we do not model (`extra`, written back verbatim).
 */
import { ProtectedValue, utf8 } from '../../secret/index.js';
import type { UnmodelledXml } from './unmodelled.js';
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

/**
 * Where an entry read lazily comes from (format/lazy-entry.ts): the reader
 * skimmed it on open and builds it on first use. Only answers it can give
 * from the source text without building the entry come from the `peek`s;
 * undefined means "build it".
 */
export interface EntrySource {
  /** The whole entry, read strictly (a malformed one throws CorruptFileError, every time it is reached). */
  load(): Entry;
  /** An unprotected standard field's text, or undefined when only a full read can tell. */
  peekField(name: string): string | undefined;
  peekTags(): string[] | undefined;
  /** Zero what the source holds for its protected values. */
  wipe(): void;
}

export class Entry {
  uuid: string;
  parent?: Group;
  // Every other property reads the entry first when it was skimmed (see EntrySource), so the
  // rest of stickvault sees one model whether an entry was read on open or on first use.
  #source?: EntrySource;
  #iconId = 0;
  #customIconUuid?: string;
  #foregroundColor = '';
  #backgroundColor = '';
  #overrideUrl = '';
  #tags: string[] = [];
  #times: Times;
  #qualityCheck = true;
  #previousParentGroup?: string;
  #fields = new Map<string, FieldValue>();
  #autoType?: UnmodelledXml;
  // Made on first use: nearly every entry has neither, and their two empty
  // Maps were ~3 MB and ~40k objects of a 10k-entry model (heap snapshot).
  #attachments?: Map<string, Attachment>;
  #customData?: Map<string, CustomDataItem>;
  #history: Entry[] = [];
  #extra: UnmodelledXml[] = [];

  constructor(uuid = newUuid(), times: Times = newTimes()) {
    this.uuid = uuid;
    this.#times = times;
  }

  /** An entry to be read from `source` on first use (the reader's lazy path). */
  static fromSource(uuid: string, times: Times, source: EntrySource): Entry {
    const e = new Entry(uuid, times);
    e.#source = source;
    return e;
  }

  /** Whether the entry is still only skimmed (tests and the writer's checks). */
  get isLoaded(): boolean {
    return this.#source === undefined;
  }

  /**
   * Reads a skimmed entry now. Throws CorruptFileError for a malformed one,
   * and keeps its source, so every later use reports it again.
   */
  load(): void {
    const source = this.#source;
    if (!source) return;
    const read = source.load();
    this.#source = undefined;
    this.#iconId = read.#iconId;
    this.#customIconUuid = read.#customIconUuid;
    this.#foregroundColor = read.#foregroundColor;
    this.#backgroundColor = read.#backgroundColor;
    this.#overrideUrl = read.#overrideUrl;
    this.#tags = read.#tags;
    this.#times = read.#times;
    this.#qualityCheck = read.#qualityCheck;
    this.#previousParentGroup = read.#previousParentGroup;
    this.#fields = read.#fields;
    this.#autoType = read.#autoType;
    this.#attachments = read.#attachments;
    this.#customData = read.#customData;
    this.#history = read.#history;
    this.#extra = read.#extra;
  }

  get iconId(): number { this.load(); return this.#iconId; }
  set iconId(v: number) { this.load(); this.#iconId = v; }
  get customIconUuid(): string | undefined { this.load(); return this.#customIconUuid; }
  set customIconUuid(v: string | undefined) { this.load(); this.#customIconUuid = v; }
  get foregroundColor(): string { this.load(); return this.#foregroundColor; }
  set foregroundColor(v: string) { this.load(); this.#foregroundColor = v; }
  get backgroundColor(): string { this.load(); return this.#backgroundColor; }
  set backgroundColor(v: string) { this.load(); this.#backgroundColor = v; }
  get overrideUrl(): string { this.load(); return this.#overrideUrl; }
  set overrideUrl(v: string) { this.load(); this.#overrideUrl = v; }
  get tags(): string[] {
    if (this.#source) {
      const peeked = this.#source.peekTags();
      if (peeked) return peeked;
      this.load();
    }
    return this.#tags;
  }
  set tags(v: string[]) { this.load(); this.#tags = v; }
  get times(): Times { this.load(); return this.#times; }
  set times(v: Times) { this.load(); this.#times = v; }
  get qualityCheck(): boolean { this.load(); return this.#qualityCheck; }
  set qualityCheck(v: boolean) { this.load(); this.#qualityCheck = v; }
  get previousParentGroup(): string | undefined { this.load(); return this.#previousParentGroup; }
  set previousParentGroup(v: string | undefined) { this.load(); this.#previousParentGroup = v; }
  get fields(): Map<string, FieldValue> { this.load(); return this.#fields; }
  set fields(v: Map<string, FieldValue>) { this.load(); this.#fields = v; }
  /** The AutoType element, kept as read (we do not edit auto-type); none is KeePassXC's default, which the writer writes. */
  get autoType(): UnmodelledXml | undefined { this.load(); return this.#autoType; }
  set autoType(v: UnmodelledXml | undefined) { this.load(); this.#autoType = v; }
  get history(): Entry[] { this.load(); return this.#history; }
  set history(v: Entry[]) { this.load(); this.#history = v; }
  /** Elements of the entry that the model does not know, written back where they were. */
  get extra(): UnmodelledXml[] { this.load(); return this.#extra; }
  set extra(v: UnmodelledXml[]) { this.load(); this.#extra = v; }

  get attachments(): Map<string, Attachment> {
    this.load();
    return (this.#attachments ??= new Map());
  }

  set attachments(m: Map<string, Attachment>) {
    this.load();
    this.#attachments = m;
  }

  get customData(): Map<string, CustomDataItem> {
    this.load();
    return (this.#customData ??= new Map());
  }

  set customData(m: Map<string, CustomDataItem>) {
    this.load();
    this.#customData = m;
  }

  /** Whether there are any, without making the map. */
  get hasAttachments(): boolean {
    this.load();
    return Boolean(this.#attachments?.size);
  }

  get hasCustomData(): boolean {
    this.load();
    return Boolean(this.#customData?.size);
  }

  /** A field's plaintext ('' when absent). Unmasks protected values: use at the point of use. */
  get(name: string): string {
    const key = canonicalFieldName(name);
    if (this.#source) {
      const peeked = this.#source.peekField(key);
      if (peeked !== undefined) return peeked;
    }
    const v = this.fields.get(key);
    if (v === undefined) return '';
    return typeof v === 'string' ? v : v.getText();
  }

  /**
   * A field's UTF-8 bytes in an off-heap buffer the caller wipes (empty when
   * absent): a protected value is unmasked straight into it, never a string.
   */
  getBytes(name: string): Uint8Array {
    const key = canonicalFieldName(name);
    const peeked = this.#source?.peekField(key);
    const v = peeked ?? this.fields.get(key);
    if (v === undefined) return utf8('');
    return typeof v === 'string' ? utf8(v) : v.getBytes();
  }

  has(name: string): boolean {
    return this.fields.has(canonicalFieldName(name));
  }

  isProtected(name: string): boolean {
    const key = canonicalFieldName(name);
    // A field the source shows as a plain <Value> is not protected.
    if (this.#source && this.#source.peekField(key) !== undefined) return false;
    return this.fields.get(key) instanceof ProtectedValue;
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

  /**
   * A deep copy; history is copied too unless `withHistory` is false. Not
   * attached to a group. Unmodelled XML is shared: it is never edited in place.
   */
  clone(withHistory = true): Entry {
    const e = new Entry(this.uuid, cloneTimes(this.times));
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
    e.autoType = this.autoType;
    if (this.hasCustomData) for (const [k, v] of this.customData) e.customData.set(k, { ...v });
    if (withHistory) e.history = this.history.map((h) => h.clone(false));
    e.extra = [...this.extra];
    return e;
  }

  /** Zero every protected value, history included. */
  wipe(): void {
    if (this.#source) {
      this.#source.wipe();
      this.#source = undefined;
      return;
    }
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

/** A new entry with the five standard fields, the password protected, as KeePassXC creates one. */
export function newEntry(title = ''): Entry {
  const e = new Entry();
  for (const f of STANDARD_FIELDS) e.set(f, '', f === 'Password');
  e.set('Title', title);
  return e;
}
