/** Long-form help: `stv help rules|aliases|sync|security|formats|exit-codes`. */
import { EXIT_CODES_HELP } from './exit-codes.js';

export const TOPICS: Record<string, () => Promise<string>> = {
  'exit-codes': async () => EXIT_CODES_HELP,
  security: async () => SECURITY_HELP,
  rules: async () => (await import('../generator/index.js')).RULES_HELP,
  aliases: async () => (await import('../aliases/index.js')).ALIASES_HELP,
  sync: async () => (await import('../sync/help.js')).SYNC_HELP,
  formats: async () => FORMATS_HELP,
};

export const FORMATS_HELP = `Files: what is read, written and kept

- Read: KDBX 2.x, 3.0, 3.1 and 4.x (AES-256, ChaCha20 or Twofish; AES-KDF,
  Argon2d, Argon2id; every keyfile form KeePassXC accepts).
- Written: a file keeps its format and cipher. KDBX 3.x is saved as 3.1 (fresh
  seeds, IV and keys, as KeePassXC does) unless its content needs KDBX 4
  (Argon2, custom data, 4.1 fields): then the save says so. 'stv upgrade' makes
  it KDBX 4 (a MAC on the header and every block); KeePassX 2 and apps that read
  only 3.1 then no longer open it. New vaults are KDBX 4.
- Cipher: 'stv init --cipher aes|chacha20|twofish', 'stv passwd --cipher …'
  (only the cipher: the key stays, no password is asked).
- Import: KeePass XML, Bitwarden JSON (logins, notes, cards, identities, SSH
  keys, TOTP, fields, password history, dates), CSV (KeePassXC, Bitwarden,
  Chrome, Firefox), KeePass 1 .kdb (AES or Twofish; password, keyfile with
  --keyfile-from, keyfile only with --no-password-from): every group, entry,
  expiry, icon and attachment. What is left out is named in a warning;
  --skip-existing leaves out items already in the group.
- Export: 'stv export --format xml|csv|json' (CSV cells starting with = + - @
  TAB CR get a ' in front, against spreadsheet formulas; --raw-csv: as stored).
- Attachments: 'stv attachment ls|get|add|rm ENTRY …'.
- Paths: Group/Sub/Title; a '/' inside a name is written '\\/' (and a '\\'
  before a '/' or at the end of a name '\\\\'), in ls -f, --json and messages:
    stv show 'Social/Twitter \\/ X'`;

export const SECURITY_HELP = `Security model (summary; the README has the full text)

- The vault is a KeePass KDBX 4 file: AES-256, ChaCha20 or Twofish under a key
  derived with Argon2id (64 MiB, tuned to ~1 s) from your password and/or keyfile.
  A KDBX 3.1 file you bring stays 3.1 (no MAC) until 'stv upgrade'.
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
