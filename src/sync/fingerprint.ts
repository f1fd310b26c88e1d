/**
 * Content fingerprints of entry versions: what an entry says, not when or
 * how often it was looked at. Two versions with the same fingerprint are the
 * same edit; a version whose fingerprint appears in another's history is its
 * ancestor. This is how merge knows causality without trusting clocks.
 */
import { createHash } from 'node:crypto';
import { ProtectedValue } from '../secret/index.js';
import type { Entry } from '../vault/index.js';

type XmlElement = NonNullable<Entry['autoType']>;

export const CONFLICT_TAG = 'stickvault-conflict';

const attachmentHashes = new WeakMap<Uint8Array, string>();
function attachmentHash(data: Uint8Array): string {
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
  for (const name of [...e.attachments.keys()].sort()) put(`${name}=${attachmentHash(e.attachments.get(name)!.data)}`);
  put('|T');
  for (const t of [...e.tags].filter((t) => t !== CONFLICT_TAG).sort()) put(t);
  put('|C');
  for (const k of [...e.customData.keys()].sort()) put(`${k}=${e.customData.get(k)!.value}`);
  put(`|${e.iconId}|${e.customIconUuid ?? ''}|${e.foregroundColor}|${e.backgroundColor}|${e.overrideUrl}|${e.qualityCheck}`);
  put(`|${e.times.expires}|${e.times.expires ? e.times.expiry.getTime() : ''}`);
  if (e.autoType) put(autoTypeKey(e.autoType));
  texts.push(text);
  return { texts, secrets };
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
  if ((a.hasCustomData || b.hasCustomData) && !sameMap(a.customData, b.customData, (x, y) => x.value === y.value)) return false;
  if ((a.hasAttachments || b.hasAttachments) && !sameMap(a.attachments, b.attachments, (x, y) => x.data === y.data || Buffer.from(x.data.buffer, x.data.byteOffset, x.data.length).equals(y.data))) return false;
  if (Boolean(a.autoType) !== Boolean(b.autoType) || (a.autoType && autoTypeKey(a.autoType) !== autoTypeKey(b.autoType!))) return false;
  // Secrets last: comparing them unmasks both.
  return sameMap(a.fields, b.fields, (x, y) =>
    typeof x === 'string' ? x === y : y instanceof ProtectedValue && x.equals(y));
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

/** AutoType defaults that programs write or leave out at will: saying them or not is the same setting. */
const AUTOTYPE_DEFAULTS: Record<string, string> = { Enabled: 'True', DataTransferObfuscation: '0', DefaultSequence: '' };

/**
 * AutoType as a setting, not as bytes: KeePassXC adds `<DefaultSequence/>`
 * to every entry it saves, which must not look like an edit.
 */
function autoTypeKey(autoType: XmlElement): string {
  const parts: string[] = [];
  for (const c of autoType.children) {
    if (c.children.length === 0 && AUTOTYPE_DEFAULTS[c.name] === c.text.trim()) continue;
    parts.push(c.children.length ? treeText(c) : `${c.name}=${c.text.trim()}`);
  }
  return parts.sort().join('\u0001');
}

/** An unambiguous text of an XML subtree (texts are length-prefixed); cheaper than serialising it. */
function treeText(n: XmlElement): string {
  let s = `<${n.name}`;
  if (n.attrs) for (const k in n.attrs) s += ` ${k}=${n.attrs[k].length}:${n.attrs[k]}`;
  s += `>${n.text.length}:${n.text}`;
  for (const c of n.children) s += treeText(c);
  return s + '>';
}
