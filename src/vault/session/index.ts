/** Opening and saving a vault file: key sources, atomic save under the writer lock, merge on conflict. */
export { VaultSession, upgradeNotice, type OpenVaultOptions, type SessionEvents } from './session.js';
export type { KeySource } from './key-source.js';
export { SameCredentialsOpener } from './same-credentials.js';
export { readKeyfile, MAX_KEYFILE_BYTES } from './keyfile-source.js';
