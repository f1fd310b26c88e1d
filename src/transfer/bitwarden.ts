/**
 * Bitwarden's unencrypted JSON export (`bw export --format json`): folders
 * (or an organisation's collections) and items — logins, secure notes,
 * cards, identities and SSH keys — named and protected as KeePassXC's
 * BitwardenReader does (`card_*`, `identity_*`; secret numbers protected),
 * with TOTP, custom fields, URIs, password history (as history versions)
 * and creation/revision dates. The file is someone else's: every item is
 * checked against a schema (zod) first, and a value of the wrong type is a
 * one-line error naming the item and the field. What cannot be imported
 * (passkeys, linked fields, unknown item types) is counted for a warning.
 */
import { z } from 'zod';
import { UsageError } from '../errors/index.js';
import type { ImportedItem } from './items.js';

const str = z.string().nullish();
const date = z.string().nullish();

const Uri = z.object({ uri: str, match: z.number().nullish() });
const Field = z.object({ name: str, value: str, type: z.number().int().nullish(), linkedId: z.number().nullish() });
const Login = z.object({
  username: str,
  password: str,
  totp: str,
  uris: z.array(Uri).nullish(),
  fido2Credentials: z.array(z.unknown()).nullish(),
});
const Card = z.object({ cardholderName: str, brand: str, number: str, expMonth: str, expYear: str, code: str });
const Identity = z.object({
  title: str, firstName: str, middleName: str, lastName: str,
  address1: str, address2: str, address3: str, city: str, state: str, postalCode: str, country: str,
  company: str, email: str, phone: str, ssn: str, username: str, passportNumber: str, licenseNumber: str,
});
const SshKey = z.object({ privateKey: str, publicKey: str, keyFingerprint: str });
const Item = z.object({
  type: z.number().int(),
  name: str,
  notes: str,
  favorite: z.boolean().nullish(),
  folderId: str,
  collectionIds: z.array(z.string()).nullish(),
  login: Login.nullish(),
  card: Card.nullish(),
  identity: Identity.nullish(),
  sshKey: SshKey.nullish(),
  fields: z.array(Field).nullish(),
  passwordHistory: z.array(z.object({ password: str, lastUsedDate: date })).nullish(),
  creationDate: date,
  revisionDate: date,
  deletedDate: date,
});
const Folder = z.object({ id: z.string(), name: z.string() });
const Doc = z.object({
  encrypted: z.boolean().nullish(),
  folders: z.array(Folder).nullish(),
  collections: z.array(Folder).nullish(),
  items: z.array(z.unknown()),
});

type BwItem = z.infer<typeof Item>;

/** "item 3 ("Amazon"): login.totp is a number, expected a string or null". */
function describeIssue(where: string, issue: z.core.$ZodIssue, input: unknown): string {
  let value: unknown = input;
  for (const k of issue.path) value = value === null || value === undefined ? undefined : (value as Record<PropertyKey, unknown>)[k as PropertyKey];
  const field = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || 'the item';
  const got = value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
  const expected = issue.code === 'invalid_type' ? `expected ${article(issue.expected)}` : issue.message.toLowerCase();
  return `not a valid Bitwarden export: ${where}: ${field} is ${got}, ${expected}`;
}

const article = (t: string) => (t === 'array' ? 'a list' : t === 'object' ? 'an object' : /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);

const when = (v: string | null | undefined) => {
  if (!v) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : new Date(Math.floor(d.getTime() / 1000) * 1000);
};

const TYPE_NAMES: Record<number, string> = { 1: 'login', 2: 'secure note', 3: 'card', 4: 'identity', 5: 'SSH key' };

export interface BitwardenImport {
  items: ImportedItem[];
  /** What was left out, one phrase per kind ("2 passkeys (FIDO2 credentials)"). */
  notImported: string[];
}

export function readBitwardenJson(text: string): BitwardenImport {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`not a Bitwarden JSON export: ${(e as Error).message}`);
  }
  if (raw !== null && typeof raw === 'object' && (raw as { encrypted?: unknown }).encrypted === true) {
    throw new UsageError('this Bitwarden export is encrypted; export again as "JSON" (unencrypted) and delete it after importing');
  }
  const top = Doc.safeParse(raw);
  if (!top.success) {
    if (raw === null || typeof raw !== 'object' || !Array.isArray((raw as { items?: unknown }).items)) throw new UsageError('not a Bitwarden JSON export (no "items" list)');
    throw new UsageError(describeIssue('the file', top.error.issues[0], raw));
  }
  const doc = top.data;
  const folders = new Map([...(doc.folders ?? []), ...(doc.collections ?? [])].map((f) => [f.id, f.name]));
  const skipped = new Map<string, number>();
  const skip = (what: string, n = 1) => skipped.set(what, (skipped.get(what) ?? 0) + n);
  const items: ImportedItem[] = [];
  doc.items.forEach((input, i) => {
    const name = input !== null && typeof input === 'object' && typeof (input as { name?: unknown }).name === 'string' ? (input as { name: string }).name : undefined;
    const where = `item ${i + 1}${name !== undefined ? ` (${JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name)})` : ''}`;
    if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new UsageError(`not a valid Bitwarden export: ${where} is ${input === null ? 'null' : Array.isArray(input) ? 'a list' : `a ${typeof input}`}, expected an object`);
    const parsed = Item.safeParse(input);
    if (!parsed.success) throw new UsageError(describeIssue(where, parsed.error.issues[0], input));
    const item = parsed.data;
    if (item.deletedDate) return skip('item(s) in the trash');
    if (!TYPE_NAMES[item.type]) return skip(`item(s) of unknown type ${item.type}`);
    items.push(toItem(item, folders, skip));
  });
  const notImported = [...skipped].map(([what, n]) => `${n} ${what}`);
  return { items, notImported };
}

function toItem(it: BwItem, folders: Map<string, string>, skip: (what: string, n?: number) => void): ImportedItem {
  const fields: Record<string, string> = {};
  const protectedFields: string[] = [];
  const set = (key: string, value: string | null | undefined, protect = false) => {
    if (!value) return;
    let k = key;
    for (let n = 2; k in fields || ['Title', 'UserName', 'Password', 'URL', 'Notes', 'otp'].includes(k); n++) k = `${key}_${n}`;
    fields[k] = value;
    if (protect) protectedFields.push(k);
  };
  const title = it.name ?? '';
  let username = it.login?.username ?? '';
  const uris = (it.login?.uris ?? []).map((u) => u.uri ?? '').filter(Boolean);
  uris.slice(1).forEach((u, n) => set(`KP2A_URL_${n + 1}`, u));
  const passkeys = it.login?.fido2Credentials?.length ?? 0;
  if (passkeys) skip('passkey(s) (FIDO2 credentials)', passkeys);

  if (it.card) {
    const c = it.card;
    for (const k of ['cardholderName', 'brand', 'number', 'expMonth', 'expYear', 'code'] as const) set(`card_${k}`, c[k], k === 'number' || k === 'code');
  }
  if (it.identity) {
    const d = it.identity;
    const join = (parts: (string | null | undefined)[], sep: string) => parts.filter(Boolean).join(sep);
    set('identity_name', join([d.title, d.firstName, d.middleName, d.lastName], ' '));
    const street = join([d.address1, d.address2, d.address3], '\n');
    const cityLine = join([join([d.city, d.state], ', '), d.postalCode], ' ');
    set('identity_address', join([street, cityLine, d.country], '\n'));
    for (const k of ['company', 'email', 'phone', 'ssn', 'passportNumber', 'licenseNumber'] as const) set(`identity_${k}`, d[k], k === 'ssn' || k === 'passportNumber' || k === 'licenseNumber');
    if (d.username) {
      if (!username) username = d.username;
      else set('identity_username', d.username);
    }
  }
  if (it.sshKey) {
    set('ssh_privateKey', it.sshKey.privateKey, true);
    set('ssh_publicKey', it.sshKey.publicKey);
    set('ssh_keyFingerprint', it.sshKey.keyFingerprint);
  }
  for (const f of it.fields ?? []) {
    if (f.type === 3) {
      skip('linked custom field(s) (they point at another field of the same item)');
      continue;
    }
    if (!f.name) continue;
    set(f.name, f.value ?? '', f.type === 1);
  }
  const totp = it.login?.totp;
  const otp = totp ? (totp.startsWith('otpauth://') ? totp : `otpauth://totp/${encodeURIComponent(title)}:${encodeURIComponent(username)}?secret=${encodeURIComponent(totp.replace(/\s/g, ''))}`) : undefined;
  const history = (it.passwordHistory ?? [])
    .filter((h) => h.password)
    .map((h) => ({ password: h.password!, changed: when(h.lastUsedDate) }))
    .sort((a, b) => (a.changed?.getTime() ?? 0) - (b.changed?.getTime() ?? 0));
  const folder = folders.get(it.folderId ?? '') ?? folders.get(it.collectionIds?.[0] ?? '') ?? '';
  return {
    group: folder.split('/').filter(Boolean),
    title,
    username,
    password: it.login?.password ?? '',
    url: uris[0] ?? '',
    notes: it.notes ?? '',
    otp,
    fields,
    protectedFields,
    tags: it.favorite ? ['Favorite'] : undefined,
    created: when(it.creationDate),
    modified: when(it.revisionDate),
    history,
  };
}
