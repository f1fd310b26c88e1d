/** Master key components of KeePass databases: password, keyfile, composite key. */
export { passwordComponent, compositeKey } from './composite.js';
export { keyfileComponent, newKeyfileXmlV2, InvalidKeyfileError } from './keyfile.js';
