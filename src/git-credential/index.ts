/** git's credential helper: the protocol, which entry answers a request, and store/erase on a vault. */
export { parseCredentialRequest, formatCredentialAnswer, type CredentialRequest, type CredentialAction } from './protocol.js';
export { matchCredential, siteOfUrl, siteOfRequest, requestUrl, type Candidate, type MatchResult, type Site } from './match.js';
export { storeCredential, eraseCredential, exactMatches, DEFAULT_GIT_GROUP, type StoreOutcome, type EraseOutcome } from './store.js';
