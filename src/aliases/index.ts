/** Per-site e-mail aliases: derivation, the registry in the vault, and mail-server configuration. */
export { tagForSite, cleanTag, validateAddress, splitAddress, codeFor, WHATWG_EMAIL } from './derive.js';
export {
  setupAliases, getSetup, newAlias, assignAlias, aliasForSite, burntAliases, listAliases, whoIs, burnAlias, markNoPlus, addressesIn, recordOf,
  SETUP_KEY, ALIAS_GROUP, ENTRY_KEY, type AliasSetup, type AliasRecord, type WhoIs, type NewAliasOptions,
} from './registry.js';
export { knownBases, rememberBases, type KnownBases } from './peers.js';
export { tagsOfOtherVaults, type PeerVault, type PeerTags } from './across-vaults.js';
export { eximConfig, postfixConfig, postfixAccessMap, sieveScript, burntList, ALIASES_HELP } from './mailserver.js';
