/** Long-form help: `stv help rules|aliases|sync|security|exit-codes`. */
import { EXIT_CODES_HELP } from './exit-codes.js';

export const TOPICS: Record<string, () => Promise<string>> = {
  'exit-codes': async () => EXIT_CODES_HELP,
  security: async () => SECURITY_HELP,
  rules: async () => {
    const m = (await import('../generator/index.js')) as unknown as Record<string, unknown>;
    return (m.RULES_HELP as string | undefined) ?? RULES_FALLBACK;
  },
  aliases: async () => ((await import('../aliases/index.js')) as unknown as Record<string, string>).ALIASES_HELP ?? '',
  sync: async () => ((await import('../sync/index.js')) as unknown as Record<string, string>).SYNC_HELP ?? '',
};

const RULES_FALLBACK = `Password rules use Apple's Password Rules syntax, e.g.
  minlength: 8; maxlength: 16; required: upper; required: digit; allowed: lower;
Classes: upper lower digit special ascii-printable unicode, or [custom set].
See 'stv rule --help' and 'stv gen --help'.`;

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
- The clipboard is purged after 30 s, but only if it still holds our value.
- Saves are atomic (temp file, fsync, rename) and keep one .bak generation.`;
