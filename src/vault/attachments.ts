/**
 * An entry's attachments as commands edit them. Every change goes through
 * Database.updateEntry, so the version before it stays in history (as any
 * edit). Attachment bytes are shared, never copied: a history version and
 * the current entry, or two entries, hold the same bytes, and the file's
 * pool stores each content once (BinaryPool, by content) for as long as any
 * entry or history version refers to it — KeePassXC's reference counting.
 */
import { createHash } from 'node:crypto';
import { NotFoundError, UsageError } from '../errors/index.js';
import type { Database, Entry } from './model/index.js';

export interface AttachmentInfo {
  name: string;
  size: number;
  sha256: string;
}

export function listAttachments(e: Entry): AttachmentInfo[] {
  if (!e.hasAttachments) return [];
  return [...e.attachments].map(([name, a]) => ({ name, size: a.data.length, sha256: createHash('sha256').update(a.data).digest('hex') }));
}

export function getAttachment(e: Entry, name: string): Uint8Array {
  const a = e.hasAttachments ? e.attachments.get(name) : undefined;
  if (!a) throw new NotFoundError(`entry '${e.path()}' has no attachment '${name}'${e.hasAttachments ? `; it has: ${[...e.attachments.keys()].join(', ')}` : ''}`);
  return a.data;
}

/** Adds or replaces `name`; returns whether one of that name was replaced. */
export function putAttachment(db: Database, e: Entry, name: string, data: Uint8Array): boolean {
  if (!name || /[\0\n\r]/.test(name)) throw new UsageError('an attachment name must be non-empty and on one line');
  const replaced = e.hasAttachments && e.attachments.has(name);
  db.updateEntry(e, (x) => x.attachments.set(name, { data: Uint8Array.from(data), protect: false }));
  return replaced;
}

export function removeAttachment(db: Database, e: Entry, name: string): void {
  getAttachment(e, name);
  db.updateEntry(e, (x) => x.attachments.delete(name));
}
