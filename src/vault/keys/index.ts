/** Master key components of KeePass databases: password, keyfile, composite key. */
export { passwordComponent, compositeKey } from './composite.js';
export { kdfStrength, MIN_KDF_MS, MIN_ARGON2_MIB, type KdfStrength } from './kdf-strength.js';
export { keyfileComponent, newKeyfileXmlV2, InvalidKeyfileError } from './keyfile.js';
