/**
 * An entry version seen as independent fields, for the per-field merge:
 * each string field (with its protected flag), each attachment, each tag
 * (present or not), each CustomData item that is not bookkeeping, and icon,
 * colours, override URL, quality check, expiry, AutoType and unknown
 * elements as one field each. A field's token says what it holds (a hash
 * for protected values, never the secret); `undefined` means absent.
 */
import { createHash } from 'node:crypto';
import { ProtectedValue } from '../../secret/index.js';
import type { Entry } from '../model/entry.js';
import { autoTypeSetting, cloneUnmodelled, unmodelledText } from '../format/unmodelled.js';
import { attachmentHash } from './fingerprint.js';
import { BOOKKEEPING_KEYS, CONFLICT_TAG } from './records.js';

export type Token = string | undefined;

const SINGLE = ['icon', 'fg', 'bg', 'ourl', 'qc', 'exp', 'at', 'x'] as const;

/** Every field key the version has. */
export function addFieldKeys(e: Entry, into: Set<string>): void {
  for (const k of e.fields.keys()) into.add(`s:${k}`);
  if (e.hasAttachments) for (const k of e.attachments.keys()) into.add(`a:${k}`);
  for (const t of e.tags) if (t !== CONFLICT_TAG) into.add(`t:${t}`);
  if (e.hasCustomData) for (const k of e.customData.keys()) if (!BOOKKEEPING_KEYS.has(k)) into.add(`c:${k}`);
  for (const k of SINGLE) into.add(k);
}

/** Per merge: tokens of the versions it compares (protected values hashed once). */
export class Tokens {
  #cache = new Map<Entry, Map<string, Token>>();

  of(e: Entry, key: string): Token {
    let m = this.#cache.get(e);
    if (!m) this.#cache.set(e, (m = new Map()));
    if (m.has(key)) return m.get(key);
    const t = token(e, key);
    m.set(key, t);
    return t;
  }
}

function token(e: Entry, key: string): Token {
  const name = key.slice(2);
  switch (key.slice(0, 2)) {
    case 's:': {
      const v = e.fields.get(name);
      if (v === undefined) return undefined;
      if (typeof v === 'string') return `S${v}`;
      const bytes = v.getBytes();
      const h = createHash('sha256').update(bytes).digest('base64');
      bytes.fill(0);
      return `P${h}`;
    }
    case 'a:': {
      const a = e.hasAttachments ? e.attachments.get(name) : undefined;
      return a && attachmentHash(a.data);
    }
    case 't:':
      return e.tags.includes(name) ? '1' : undefined;
    case 'c:':
      return e.hasCustomData ? e.customData.get(name)?.value : undefined;
  }
  switch (key) {
    case 'icon': return `${e.iconId}|${e.customIconUuid ?? ''}`;
    case 'fg': return e.foregroundColor;
    case 'bg': return e.backgroundColor;
    case 'ourl': return e.overrideUrl;
    case 'qc': return String(e.qualityCheck);
    case 'exp': return e.times.expires ? `1|${e.times.expiry.getTime()}` : '0';
    case 'at': return autoTypeSetting(e.autoType);
    case 'x': return e.extra.length ? e.extra.map(unmodelledText).join('') : undefined;
  }
  throw new Error(`unknown field key ${key}`);
}

/** Give `dst` the value `src` has for `key` (a copy), or remove it when `src` has none. */
export function copyField(dst: Entry, src: Entry, key: string): void {
  const name = key.slice(2);
  switch (key.slice(0, 2)) {
    case 's:': {
      const v = src.fields.get(name);
      const old = dst.fields.get(name);
      if (old instanceof ProtectedValue) old.wipe();
      if (v === undefined) dst.fields.delete(name);
      else dst.fields.set(name, typeof v === 'string' ? v : v.clone());
      return;
    }
    case 'a:': {
      const a = src.hasAttachments ? src.attachments.get(name) : undefined;
      if (a) dst.attachments.set(name, { ...a });
      else if (dst.hasAttachments) dst.attachments.delete(name);
      return;
    }
    case 't:': {
      const has = src.tags.includes(name);
      if (has && !dst.tags.includes(name)) dst.tags = [...dst.tags, name];
      if (!has) dst.tags = dst.tags.filter((t) => t !== name);
      return;
    }
    case 'c:': {
      const c = src.hasCustomData ? src.customData.get(name) : undefined;
      if (c) dst.customData.set(name, { ...c });
      else if (dst.hasCustomData) dst.customData.delete(name);
      return;
    }
  }
  switch (key) {
    case 'icon': dst.iconId = src.iconId; dst.customIconUuid = src.customIconUuid; return;
    case 'fg': dst.foregroundColor = src.foregroundColor; return;
    case 'bg': dst.backgroundColor = src.backgroundColor; return;
    case 'ourl': dst.overrideUrl = src.overrideUrl; return;
    case 'qc': dst.qualityCheck = src.qualityCheck; return;
    case 'exp': dst.times.expires = src.times.expires; dst.times.expiry = src.times.expiry; return;
    case 'at': dst.autoType = src.autoType && cloneUnmodelled(src.autoType); return;
    case 'x': dst.extra = src.extra.map(cloneUnmodelled); return;
  }
}

const LABELS: Record<string, string> = {
  icon: 'icon', fg: 'foreground colour', bg: 'background colour', ourl: 'override URL', qc: 'quality check',
  exp: 'expiry', at: 'auto-type', x: 'other data', deleted: 'deleted elsewhere',
};

/** Text from a vault someone else may have written, for a terminal: control characters escaped, long text cut. */
export function printable(s: string, max = 200): string {
  const cut = s.length > max ? `${s.slice(0, max)}…` : s;
  return cut.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, (c) => (c === '\n' ? '\\n' : `\\u{${c.codePointAt(0)!.toString(16)}}`));
}

/** How a field key is shown: `Password`, `attachment f.bin`, `tag work`, `data K`, `expiry`. */
export function fieldLabel(key: string): string {
  const name = printable(key.slice(2), 80);
  switch (key.slice(0, 2)) {
    case 's:': return name;
    case 'a:': return `attachment ${name}`;
    case 't:': return `tag ${name}`;
    case 'c:': return `data ${name}`;
  }
  return LABELS[key] ?? key;
}

/** The keys in which two versions differ, for reports and `stv history`. */
export function differingFields(a: Entry, b: Entry, tokens = new Tokens()): string[] {
  const keys = new Set<string>();
  addFieldKeys(a, keys);
  addFieldKeys(b, keys);
  return [...keys].filter((k) => tokens.of(a, k) !== tokens.of(b, k));
}
