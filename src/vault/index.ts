/** The vault module: KDBX files, the typed model, and the queries the CLI and agent share. */
export * from './model/index.js';
export { Vault, StaleKeyError, credentialsToComposite, deriveKey, type Credentials, type DerivedKey, type OpenOptions, type VaultSettings } from './vault.js';
export * from './file.js';
export * from './query.js';
export { readXmlExport, writeXmlExport } from './format/plain-xml.js';
export { serializeXml, parseXml, child as xmlChild, type XmlElement } from './xml/index.js';
export type { KdfParams, CipherName } from './kdbx/index.js';
export { defaultKdf, tuneKdf, kdfFingerprint, SlowKdfError } from './kdbx/index.js';
export { newKeyfileXmlV2 } from './keys/index.js';
