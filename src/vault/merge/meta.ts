/**
 * Database settings: each group of Meta fields that KeePass stamps with one
 * time is a last-writer-wins register (name, description, default user name
 * and templates group by their own *Changed times; the recycle bin by
 * RecycleBinChanged, among groups that still exist; the other settings by
 * SettingsChanged), ties by the values' text. MasterKeyChanged takes the
 * latest. CustomData merges item by item by its LastModificationTime (ties by
 * value); KeePassXC's `_LAST_MODIFIED` takes the greatest text; the deletion
 * record is merged in deletions.ts. Custom icons are a union by UUID. What no
 * rule names (Generator, UI state) stays as the first copy has it.
 */
import { createHash } from 'node:crypto';
import { ZERO_UUID } from '../model/uuid.js';
import type { Meta, MetaField } from '../model/meta.js';
import { parseTime } from '../format/times.js';
import { metaFieldText } from '../format/meta.js';
import { DELETIONS_KEY } from './records.js';

interface Register {
  what: string;
  nodes: string[];
  stamp: string;
}

const REGISTERS: Register[] = [
  { what: 'database name', nodes: ['DatabaseName'], stamp: 'DatabaseNameChanged' },
  { what: 'description', nodes: ['DatabaseDescription'], stamp: 'DatabaseDescriptionChanged' },
  { what: 'default user name', nodes: ['DefaultUserName'], stamp: 'DefaultUserNameChanged' },
  { what: 'templates group', nodes: ['EntryTemplatesGroup'], stamp: 'EntryTemplatesGroupChanged' },
  {
    what: 'settings',
    nodes: ['MaintenanceHistoryDays', 'Color', 'MasterKeyChangeRec', 'MasterKeyChangeForce', 'MasterKeyChangeForceOnce', 'MemoryProtection', 'RecycleBinEnabled', 'HistoryMaxItems', 'HistoryMaxSize'],
    stamp: 'SettingsChanged',
  },
];
const BIN: Register = { what: 'recycle bin', nodes: ['RecycleBinUUID'], stamp: 'RecycleBinChanged' };

const fieldText = (f: MetaField | undefined) => (f ? metaFieldText(f) : '\u0000');
const registerText = (m: Meta, r: Register) => r.nodes.map((n) => fieldText(m.field(n))).join('\u0001');
/** A stamp's time; a missing one is year 1, as the reader reads an empty time. */
const timeOf = (f: MetaField | undefined) => (f?.value instanceof Date ? f.value : parseTime(undefined));
const stampOf = (m: Meta, r: Register) => timeOf(m.field(r.stamp)).getTime();

/** The meta whose value of the register wins. */
function winner(metas: Meta[], r: Register, eligible: (m: Meta) => boolean = () => true): Meta | undefined {
  let best: Meta | undefined;
  for (const m of metas) {
    if (!eligible(m)) continue;
    if (!best) {
      best = m;
      continue;
    }
    const d = stampOf(m, r) - stampOf(best, r);
    if (d > 0 || (d === 0 && registerText(m, r) > registerText(best, r))) best = m;
  }
  return best;
}

function take(target: Meta, from: Meta, r: Register): void {
  if (from === target) return;
  for (const name of [...r.nodes, r.stamp]) {
    const f = from.field(name);
    if (f) target.put(f);
  }
}

/** The merged HistoryMaxItems/HistoryMaxSize, before anything else is merged (entries need them). */
export function mergedSettings(metas: Meta[]): Meta {
  return winner(metas, REGISTERS[REGISTERS.length - 1])!;
}

/**
 * Merge every input's Meta into `target` (the first input's); `liveGroup`
 * says whether a group UUID exists in the result.
 */
export function mergeMeta(target: Meta, metas: Meta[], liveGroup: (uuid: string) => boolean): void {
  for (const r of REGISTERS) take(target, winner(metas, r)!, r);
  const binOk = (m: Meta) => m.recycleBinUuid === ZERO_UUID || liveGroup(m.recycleBinUuid);
  const bin = winner(metas, BIN, binOk);
  if (bin) take(target, bin, BIN);
  else if (!binOk(target)) target.recycleBinUuid = ZERO_UUID;

  let keyChanged = target.field('MasterKeyChanged');
  for (const m of metas) {
    const f = m.field('MasterKeyChanged');
    if (f && (!keyChanged || timeOf(f) > timeOf(keyChanged))) keyChanged = f;
  }
  if (keyChanged && keyChanged !== target.field('MasterKeyChanged')) target.put(keyChanged);

  mergeCustomData(target, metas);
  mergeIcons(target, metas);
}

function mergeCustomData(target: Meta, metas: Meta[]): void {
  const keys = new Set<string>();
  for (const m of metas) for (const k of m.customData.keys()) if (k !== DELETIONS_KEY) keys.add(k);
  for (const k of keys) {
    let best = target.customData.get(k);
    for (const m of metas) {
      const item = m.customData.get(k);
      if (!item) continue;
      if (!best) {
        best = item;
        continue;
      }
      const d = k === '_LAST_MODIFIED' ? 0 : (item.lastModified?.getTime() ?? 0) - (best.lastModified?.getTime() ?? 0);
      if (d > 0 || (d === 0 && item.value > best.value)) best = item;
    }
    if (best && best !== target.customData.get(k)) target.customData.set(k, { ...best });
  }
}

const iconHash = (d: Uint8Array) => createHash('sha256').update(d).digest('hex');

function mergeIcons(target: Meta, metas: Meta[]): void {
  const index = new Map(target.customIcons.map((ic, i) => [ic.uuid, i]));
  for (const m of metas) {
    if (m === target) continue;
    for (const ic of m.customIcons) {
      const i = index.get(ic.uuid);
      if (i === undefined) {
        index.set(ic.uuid, target.customIcons.length);
        target.customIcons.push({ ...ic });
        continue;
      }
      const mine = target.customIcons[i];
      const d = (ic.lastModified?.getTime() ?? 0) - (mine.lastModified?.getTime() ?? 0);
      if (d > 0 || (d === 0 && iconHash(ic.data) > iconHash(mine.data))) target.customIcons[i] = { ...ic };
    }
  }
}

/** What of a Meta merge compares: every register, the key's date, CustomData and icons. */
export function metaState(m: Meta): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of [...REGISTERS, BIN]) out.set(r.what, `${registerText(m, r)}@${stampOf(m, r)}`);
  out.set('master key date', fieldText(m.field('MasterKeyChanged')));
  for (const [k, v] of m.customData) out.set(k === DELETIONS_KEY ? 'deletion records' : `custom data ${k}`, v.value);
  out.set('custom icons', m.customIcons.map((ic) => `${ic.uuid}:${iconHash(ic.data)}:${ic.name ?? ''}`).sort().join(','));
  return out;
}

/** Names of what differs between two Meta states ('' when nothing). */
export function metaDifferences(a: Map<string, string>, b: Map<string, string>): string[] {
  const out: string[] = [];
  for (const k of new Set([...a.keys(), ...b.keys()])) if (a.get(k) !== b.get(k)) out.push(k);
  return out;
}
