/**
 * Content fingerprints of entry versions: what an entry says, not when or
 * how often it was looked at. Two versions with the same fingerprint are the
 * same edit; a version whose fingerprint appears in another's history is its
 * ancestor. This is how merge knows causality without trusting clocks.
 */
import { createHash } from 'node:crypto';
import { ProtectedValue } from '../secret/index.js';
import { serializeXml, type Entry } from '../vault/index.js';

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

export function fingerprint(e: Entry): string {
  const h = createHash('sha256');
  const put = (s: string) => h.update(s).update('\u0000');
  for (const key of [...e.fields.keys()].sort()) {
    const v = e.fields.get(key)!;
    put(key);
    if (v instanceof ProtectedValue) {
      put('P');
      const bytes = v.getBytes();
      h.update(bytes).update('\u0000');
      bytes.fill(0);
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
  if (e.autoType) put(serializeXml(withoutEmptyDefaultSequence(e.autoType)));
  return h.digest('base64');
}

/**
 * KeePassXC adds an empty <DefaultSequence/> to every entry it saves where stickvault writes none; both
 * mean "use the group's sequence". Without this, any keepassxc save made every untouched entry a conflict.
 */
function withoutEmptyDefaultSequence(a: XmlElement): XmlElement {
  const keep = a.children.filter((c) => !(c.name === 'DefaultSequence' && c.text === '' && c.children.length === 0));
  return keep.length === a.children.length ? a : { ...a, children: keep };
}
