/** The vault module: KDBX files, the typed model, and the queries the CLI and agent share. */
import type { Credentials } from '../secret/index.js';
import type { KdbDatabase, ReadKdbOptions } from './kdb/index.js';

export * from './model/index.js';
export { Vault, credentialsToComposite, deriveKey, INTEGRITY_TEXT, type Integrity, type CredentialParts, type KeyParts, type OpenOptions, type VaultSettings, type DecryptedAhead } from './vault.js';
export { Credentials, DerivedKey } from '../secret/index.js';
export * from './file.js';
export * from './query.js';
export { readXmlExport, writeXmlExport } from './format/plain-xml.js';
export {
  mergeCopies, CONFLICT_TAG, CONFLICT_KEY, readConflict, hasConflict, clearMergeRecords, fingerprint, entryVersionId, surelySameContent, fieldLabel, differingFields, sameEntryState,
  type MergeInput, type MergeResult, type Change, type ChangeKind, type FieldConflict, type ConflictSide, type ConflictRecord,
} from './merge/index.js';
export { listVersions, versionAt, restoreVersion, resolveConflict, listConflicts, type VersionSummary, type ConflictView, type ConflictField, type ConflictValue } from './history.js';
export { contentDigest } from './format/digest.js';
export { autoTypeWith } from './format/unmodelled.js';
export { parseXml, child as xmlChild, type XmlElement } from './xml/index.js';
export type { KdfParams, CipherName } from './kdbx/index.js';
export { defaultKdf, tuneKdf, kdfFingerprint, SlowKdfError, aesKdf, prewarmAesKdf } from './kdbx/index.js';
export type { KdbDatabase, KdbGroup, KdbEntry, KdbTimes, ReadKdbOptions } from './kdb/index.js';
export { newKeyfileXmlV2, kdfStrength, type KdfStrength } from './keys/index.js';
export { listAttachments, getAttachment, putAttachment, removeAttachment, type AttachmentInfo } from './attachments.js';
export * from './session/index.js';

/**
 * A KeePass 1 (.kdb) file read with its own credentials. The reader is
 * loaded on first use: only `stv import` of a .kdb needs it, so no
 * command's start-up carries it.
 */
export async function readKdbFile(file: Uint8Array, creds: Credentials, opts: ReadKdbOptions = {}): Promise<KdbDatabase> {
  const { readKdb } = await import('./kdb/index.js');
  return readKdb(file, creds, opts);
}
