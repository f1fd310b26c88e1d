/**
 * Content fingerprints of entry versions: what an entry says, not when or
 * how often it was looked at. Two versions with the same fingerprint are the
 * same edit; a version whose fingerprint appears in another's history is its
 * ancestor. This is how merge knows causality without trusting clocks.
 */
import { createHash } from 'node:crypto';
import { ProtectedValue } from '../secret/index.js';
import { serializeXml, type Entry, type XmlElement } from '../vault/index.js';

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
  if (e.autoType) put(autoTypeKey(e.autoType));
  return h.digest('base64');
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
    parts.push(c.children.length ? serializeXml(c) : `${c.name}=${c.text.trim()}`);
  }
  return parts.sort().join('\u0001');
}
