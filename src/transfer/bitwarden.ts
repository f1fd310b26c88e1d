/** Bitwarden's unencrypted JSON export: folders and items (logins, secure notes, cards). */
import { UsageError } from '../errors/index.js';
import type { ImportedItem } from './items.js';

interface BwItem {
  type?: number;
  name?: string;
  notes?: string | null;
  folderId?: string | null;
  login?: { username?: string | null; password?: string | null; totp?: string | null; uris?: { uri?: string | null }[] | null } | null;
  fields?: { name?: string | null; value?: string | null; type?: number }[] | null;
  card?: Record<string, string | null> | null;
}

export function readBitwardenJson(text: string): ImportedItem[] {
  let doc: { encrypted?: boolean; folders?: { id: string; name: string }[]; items?: BwItem[] };
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`not a Bitwarden JSON export: ${(e as Error).message}`);
  }
  if (doc.encrypted) throw new UsageError('this Bitwarden export is encrypted; export again as "JSON" (unencrypted) and delete it after importing');
  if (!Array.isArray(doc.items)) throw new UsageError('not a Bitwarden JSON export (no "items" list)');
  const folders = new Map((doc.folders ?? []).map((f) => [f.id, f.name]));
  return doc.items.map((it) => {
    const uris = it.login?.uris ?? [];
    const fields: Record<string, string> = {};
    const protectedFields: string[] = [];
    for (const f of it.fields ?? []) {
      if (!f.name) continue;
      fields[f.name] = f.value ?? '';
      if (f.type === 1) protectedFields.push(f.name); // hidden field
    }
    uris.slice(1).forEach((u, i) => (fields[`KP2A_URL_${i + 1}`] = u.uri ?? ''));
    if (it.card) for (const [k, v] of Object.entries(it.card)) if (v) fields[`card ${k}`] = v;
    const totp = it.login?.totp ?? undefined;
    return {
      group: (folders.get(it.folderId ?? '') ?? '').split('/').filter(Boolean),
      title: it.name ?? '',
      username: it.login?.username ?? '',
      password: it.login?.password ?? '',
      url: uris[0]?.uri ?? '',
      notes: it.notes ?? '',
      otp: totp ? (totp.startsWith('otpauth://') ? totp : `otpauth://totp/imported?secret=${encodeURIComponent(totp)}`) : undefined,
      fields,
      protectedFields: [...protectedFields, ...(it.card?.number ? ['card number', 'card code'] : [])],
    };
  });
}
