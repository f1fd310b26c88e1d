/**
 * A digest of everything a database holds — the document as it would be
 * saved, attachments included — for telling whether two databases are the
 * same without comparing files (whose bytes differ at every save: fresh IVs
 * and seeds). Protected values enter it only as an HMAC under a key made
 * for this process, so the digest reveals nothing of them and is
 * comparable within one process only.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Database } from '../model/index.js';
import { attachmentPool, writeDatabase } from './write-xml.js';

let processKey: Buffer | undefined;

export function contentDigest(db: Database): string {
  const key = (processKey ??= randomBytes(32));
  const h = createHash('sha256');
  const pool = attachmentPool(db);
  writeDatabase(db, 1, {
    pool,
    sink: (piece) => h.update(piece),
    protectedText: (node) => {
      const plain = node.secret!.getBytes();
      try {
        return createHmac('sha256', key).update(plain).digest('base64');
      } finally {
        plain.fill(0);
      }
    },
  });
  for (const a of pool.items) h.update(`\u0000${a.protect ? 1 : 0}${a.data.length}\u0000`).update(a.data);
  return h.digest('hex');
}
