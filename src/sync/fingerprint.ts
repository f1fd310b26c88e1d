/**
 * Content fingerprints of entry versions: what an entry says, not when or
 * how often it was looked at. Two versions with the same fingerprint are the
 * same edit; a version whose fingerprint appears in another's history is its
 * ancestor. This is how merge knows causality without trusting clocks.
 */
import { createHash } from 'node:crypto';
import { ProtectedValue } from '../secret/index.js';
import { serializeXml, type Entry } from '../vault/index.js';

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
 * The hash input is built as one string between protected values and fed to
 * the hash in a few calls: one update per part (~30 per entry) was most of a
 * 10k-entry merge. The bytes hashed are the same as part-by-part.
 */
export function fingerprint(e: Entry): string {
  const h = createHash('sha256');
  let text = '';
  const put = (s: string) => {
    text += s + '\u0000';
  };
  for (const key of [...e.fields.keys()].sort()) {
    const v = e.fields.get(key)!;
    put(key);
    if (v instanceof ProtectedValue) {
      put('P');
      h.update(text);
      text = '\u0000';
      const bytes = v.getBytes();
      h.update(bytes);
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
  if (e.autoType) put(serializeXml(e.autoType));
  return h.update(text).digest('base64');
}
