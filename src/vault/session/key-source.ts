/**
 * Where a vault's key comes from, as an interface the CLI, sync and the agent
 * share: a key someone already holds (the agent's), else the user's
 * credentials (password and/or keyfile), read at most once by the caller.
 */
import type { Credentials, DerivedKey } from '../../secret/index.js';

export interface KeySource {
  /** A derived key already held for this file (e.g. by the agent); undefined when there is none. */
  heldKey?(): Promise<DerivedKey | undefined>;
  /** The user's credentials; the vault layer wipes what it gets. Throws when there is no way to get them; absent: a held key only. */
  credentials?(): Promise<Credentials>;
  /** The file's key changed: a key held for it no longer opens it and is dropped (best effort). */
  forgetHeldKey?(): Promise<void>;
}
