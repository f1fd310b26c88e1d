/**
 * Identities of entry and group versions: what a version says, not when or
 * how often it was looked at, nor what merge or KeePassXC noted about it.
 *
 * An entry's content fingerprint covers its string fields (with their
 * protected flags), attachments, tags, CustomData, icon, colours, override
 * URL, quality check, expiry, AutoType as a setting and unknown elements —
 * never the bookkeeping in records.ts, access times, usage counts or
 * PreviousParentGroup. A version id (vid) adds the modification time in
 * whole seconds: a restore from history (old content, new time) is a new
 * version. vids are stored in vaults (conflict and deletion records), so
 * what they cover must not change without a new format.
 */
import { createHash } from 'node:crypto';
import { ProtectedValue } from '../../secret/index.js';
import type { Entry } from '../model/entry.js';
import type { Group } from '../model/group.js';
import { autoTypeSetting, unmodelledText } from '../format/unmodelled.js';
import { BOOKKEEPING_KEYS, CONFLICT_TAG, MERGED_KEY } from './records.js';

const attachmentHashes = new WeakMap<Uint8Array, string>();
export function attachmentHash(data: Uint8Array): string {
  let h = attachmentHashes.get(data);
  if (!h) {
    h = createHash('sha256').update(data).digest('base64');
    attachmentHashes.set(data, h);
  }
  return h;
}

/**
 * What a fingerprint covers, in order: runs of text with the protected
 * values between them (secrets[i] comes after texts[i]). Built as a few
 * strings rather than fed to the hash part by part: ~30 hash updates per
 * entry were most of a 10k-entry merge.
 */
function content(e: Entry): { texts: string[]; secrets: ProtectedValue[] } {
  const texts: string[] = [];
  const secrets: ProtectedValue[] = [];
  let text = '';
  const put = (s: string) => {
    text += s + '\u0000';
  };
  for (const key of [...e.fields.keys()].sort()) {
    const v = e.fields.get(key)!;
    put(key);
    if (v instanceof ProtectedValue) {
      put('P');
      texts.push(text);
      secrets.push(v);
      text = '\u0000';
    } else put(`S${v}`);
  }
  put('|A');
  if (e.hasAttachments) for (const name of [...e.attachments.keys()].sort()) put(`${name}=${attachmentHash(e.attachments.get(name)!.data)}`);
  put('|T');
  for (const t of [...e.tags].filter((t) => t !== CONFLICT_TAG).sort()) put(t);
  put('|C');
  if (e.hasCustomData) for (const k of userCustomDataKeys(e.customData)) put(`${k}=${e.customData.get(k)!.value}`);
  put(`|${e.iconId}|${e.customIconUuid ?? ''}|${e.foregroundColor}|${e.backgroundColor}|${e.overrideUrl}|${e.qualityCheck}`);
  put(`|${e.times.expires}|${e.times.expires ? e.times.expiry.getTime() : ''}`);
  put(autoTypeSetting(e.autoType));
  put('|X');
  for (const x of e.extra) put(unmodelledText(x));
  texts.push(text);
  return { texts, secrets };
}

/** CustomData keys that are the user's (or a program's setting), sorted. */
export function userCustomDataKeys(m: Map<string, unknown>): string[] {
  return [...m.keys()].filter((k) => !BOOKKEEPING_KEYS.has(k)).sort();
}

export function fingerprint(e: Entry): string {
  const { texts, secrets } = content(e);
  const h = createHash('sha256');
  texts.forEach((text, i) => {
    h.update(text);
    if (i < secrets.length) {
      const bytes = secrets[i].getBytes();
      h.update(bytes);
      bytes.fill(0);
    }
  });
  return h.digest('base64');
}

/** Whole seconds: what every KDBX version stores. */
export const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

/**
 * A version id from a content fingerprint and a modification time: 16 bytes
 * of SHA-256, base64url. A version a merge made is another version than a
 * user's edit with the same content and time (`merge`).
 */
export function versionId(fp: string, modified: Date, merge = false): string {
  return createHash('sha256').update(`${fp}\u0000${seconds(modified)}${merge ? '\u0000merge' : ''}`).digest().subarray(0, 16).toString('base64url');
}

/** The vid of a version whose fingerprint is `fp`: a merge version's if its own record says so (and still holds), else a user version's. */
export function versionIdOf(e: Entry, fp: string): string {
  const marker = e.hasCustomData ? e.customData.get(MERGED_KEY)?.value : undefined;
  if (marker) {
    const asMerge = versionId(fp, e.times.lastModification, true);
    if (marker.startsWith(`${asMerge} `)) return asMerge;
  }
  return versionId(fp, e.times.lastModification);
}

export function entryVersionId(e: Entry): string {
  return versionIdOf(e, fingerprint(e));
}

/**
 * True only if the two fingerprints are equal (content() would give the
 * same texts and secrets), decided field by field without building those
 * texts: merge compares ~10k unchanged pairs, and building two texts per
 * pair was most of a 10k-entry merge step (~10 µs a pair against ~1 µs).
 * False says nothing; compare fingerprints then.
 */
export function surelySameContent(a: Entry, b: Entry): boolean {
  if (
    a.iconId !== b.iconId || (a.customIconUuid ?? '') !== (b.customIconUuid ?? '') || a.foregroundColor !== b.foregroundColor ||
    a.backgroundColor !== b.backgroundColor || a.overrideUrl !== b.overrideUrl || a.qualityCheck !== b.qualityCheck ||
    a.times.expires !== b.times.expires || (a.times.expires && a.times.expiry.getTime() !== b.times.expiry.getTime())
  ) return false;
  if (!sameTags(a.tags, b.tags)) return false;
  // has…: no empty maps made just to compare them.
  if ((a.hasCustomData || b.hasCustomData) && !sameUserCustomData(a, b)) return false;
  if ((a.hasAttachments || b.hasAttachments) && !sameMap(a.attachments, b.attachments, (x, y) => x.data === y.data || Buffer.from(x.data.buffer, x.data.byteOffset, x.data.length).equals(y.data))) return false;
  if (a.autoType !== b.autoType && autoTypeSetting(a.autoType) !== autoTypeSetting(b.autoType)) return false;
  if ((a.extra.length || b.extra.length) && (a.extra.length !== b.extra.length || a.extra.some((x, i) => unmodelledText(x) !== unmodelledText(b.extra[i])))) return false;
  // Secrets last: comparing them unmasks both.
  return sameMap(a.fields, b.fields, (x, y) =>
    typeof x === 'string' ? x === y : y instanceof ProtectedValue && x.equals(y));
}

function sameUserCustomData(a: Entry, b: Entry): boolean {
  const x = a.hasCustomData ? a.customData : undefined;
  const y = b.hasCustomData ? b.customData : undefined;
  let n = 0;
  if (x) for (const [k, v] of x) {
    if (BOOKKEEPING_KEYS.has(k)) continue;
    n++;
    if (y?.get(k)?.value !== v.value) return false;
  }
  let m = 0;
  if (y) for (const k of y.keys()) if (!BOOKKEEPING_KEYS.has(k)) m++;
  return n === m;
}

function sameMap<V>(a: Map<string, V>, b: Map<string, V>, same: (x: V, y: V) => boolean): boolean {
  if (a.size !== b.size) return false;
  for (const [k, x] of a) {
    const y = b.get(k);
    if (y === undefined || !same(x, y)) return false;
  }
  return true;
}

/** The tags content() hashes: sorted, without the conflict tag. */
function sameTags(a: string[], b: string[]): boolean {
  if (a.length === b.length && a.every((t, i) => t === b[i])) return true;
  const x = a.filter((t) => t !== CONFLICT_TAG).sort();
  const y = b.filter((t) => t !== CONFLICT_TAG).sort();
  return x.length === y.length && x.every((t, i) => t === y[i]);
}

/**
 * A group's properties as one value (name, notes, tags, icon, settings,
 * CustomData, expiry, unknown elements), without UI state (IsExpanded,
 * LastTopVisibleEntry), times or place.
 */
export function groupProperties(g: Group): string {
  const parts = [
    g.name, g.notes, g.tags ?? '\u0001', String(g.iconId), g.customIconUuid ?? '', g.defaultAutoTypeSequence,
    String(g.enableAutoType), String(g.enableSearching), `${g.times.expires}|${g.times.expires ? g.times.expiry.getTime() : ''}`,
    ...userCustomDataKeys(g.customData).map((k) => `${k}=${g.customData.get(k)!.value}`),
    '|X', ...g.extra.map(unmodelledText),
  ];
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url');
}

/**
 * A group version: its properties and their modification time, its parent
 * (`''` for the root group, whatever its UUID) and when it moved there.
 */
export function groupVersionId(props: string, modified: Date, parent: string, moved: Date): string {
  return createHash('sha256')
    .update(`${props}\u0000${seconds(modified)}\u0000${parent}\u0000${seconds(moved)}`)
    .digest().subarray(0, 16).toString('base64url');
}

/** The version id of a group as it stands in its database. */
export function groupVersionOf(g: Group, root: Group): string {
  return groupVersionId(groupProperties(g), g.times.lastModification, !g.parent || g.parent === root ? '' : g.parent.uuid, g.times.locationChanged);
}
