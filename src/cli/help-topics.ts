/** Long-form help: `stv help rules|aliases|sync|security|integrations|exit-codes`. */
import { EXIT_CODES_HELP } from './exit-codes.js';

export const TOPICS: Record<string, () => Promise<string>> = {
  'exit-codes': async () => EXIT_CODES_HELP,
  security: async () => SECURITY_HELP,
  rules: async () => (await import('../generator/index.js')).RULES_HELP,
  aliases: async () => (await import('../aliases/index.js')).ALIASES_HELP,
  sync: async () => (await import('../sync/help.js')).SYNC_HELP,
  integrations: async () => (await import('./integrations-help.js')).INTEGRATIONS_HELP,
};

export const SECURITY_HELP = `Security model (summary; the README has the full text)

- The vault is a KeePass KDBX 4 file: AES-256 or ChaCha20 under a key derived
  with Argon2id (64 MiB, tuned to ~1 s) from your password and/or keyfile.
  Someone with the stick but neither has to guess the password through the KDF.
- Secrets never travel on argv or in the environment: passwords come from a
  terminal prompt, stdin, --password-file or --password-fd.
- The agent holds the derived key (never the password) for the idle timeout
  (default 30 s) and forgets it on 'stv lock', on the timeout, and after 8 h.
  Its socket lives in a 0700 directory and is mode 0600.
- Protected values stay XOR-masked in memory and are wiped when the vault
  closes. JavaScript strings cannot be wiped: a value printed or copied exists
  as a string until the garbage collector reuses its memory.
- Processes that read a password or hold a key set their core-dump limit to 0.
- The clipboard is purged after 30 s, but only if it still holds our value.
- Saves are atomic (temp file, fsync, rename) and keep one .bak generation.`;
