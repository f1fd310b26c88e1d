/** SSH keys from the vault into a running ssh-agent, as KeePassXC's KeeAgent settings say. */
export { readPrivateKey, publicBlobOf, isEncrypted, fingerprint, typeOfBlob, looksLikePrivateKey, WrongPassphraseError, type PrivateKey } from './private-key.js';
export { parseKeeAgentSettings, SETTINGS_ATTACHMENT, type KeeAgentSettings } from './keeagent.js';
export { agentSocket, listIdentities, addIdentity, removeIdentity, SshAgentError, type Identity, type Constraints } from './agent-client.js';
export { keySourceOf, expandKeyPath, type KeySource } from './entry-keys.js';
export { readAddedKeys, writeAddedKeys, rememberAdded, addedKeysFile, type AddedKey } from './added.js';
export { removeAddedKeys } from './remove.js';
