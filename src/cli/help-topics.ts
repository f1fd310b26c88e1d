/** Long-form help: `stv help rules|aliases|sync|security|formats|integrations|exit-codes`. */
import { EXIT_CODES_HELP } from './exit-codes.js';

export const TOPICS: Record<string, () => Promise<string>> = {
  'exit-codes': async () => EXIT_CODES_HELP,
  security: async () => SECURITY_HELP,
  rules: async () => (await import('../generator/index.js')).RULES_HELP,
  aliases: async () => (await import('../aliases/index.js')).ALIASES_HELP,
  sync: async () => (await import('../sync/help.js')).SYNC_HELP,
  formats: async () => FORMATS_HELP,
  integrations: async () => (await import('./integrations-help.js')).INTEGRATIONS_HELP,
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
  terminal prompt, stdin, --password-file or --password-fd. A secret on stdin
  has one meaning: a command that reads a value from stdin (add -p, passwd,
  merge, import of a .kdb) takes the master password only from the agent, a
  flag or the terminal (/dev/tty).
- New master passwords below zxcvbn's "strong" are refused unless --allow-weak.
- 'stv init --force' keeps the replaced file as PATH.replaced-DATE.
- The agent holds the derived key (never the password) for the idle timeout
  (default 30 s) and forgets it on 'stv lock', on the timeout, and after the
  hard cap (8 h, agentHardCapSeconds in the config; clients cannot raise it).
  Deadlines run on the monotonic and the wall clock: whichever ends first.
- Other local users: the agent's and clipboard helper's sockets live in
  $XDG_RUNTIME_DIR/stickvault or /tmp/stickvault-UID. Every stv process checks
  that directory (a real directory, yours, mode 0700) and the socket before it
  connects or listens, and both ends check the other's uid (SO_PEERCRED).
  A directory or socket another user planted is refused in one line.
- The agent validates every request, bounds frames and clients, and sends
  keys and protected values as bytes it wipes, never as strings.
- A leaked derived key opens every later save of the file until the key
  changes: 'stv passwd' or 'stv passwd --rekey' (same password, new salt).
  Both re-encrypt PATH.bak and the mounted sticks' backup generations (or
  remove those under older keys) and say what remains; other sticks are
  handled at their next 'stv sync'.
- On a terminal, control characters and escape sequences in vault values are
  shown escaped (\\e, \\r, \\x9b); 'show -a' and --json print them raw.
- Hostile files are refused before work (sizes, decompression at most
  1032 x the file and 1 GiB, XML depth 512, no DTDs, invalid characters,
  base64 or duplicate UUIDs); a save the reader would refuse is not written.
  Vault, keyfile and password file must be regular files.
- KDBX 3.1 has no MAC; a 3.1 file without Meta/HeaderHash has no integrity
  check at all ('stv info', 'stv doctor' say so); saving upgrades it to 4.
- Protected values stay XOR-masked in memory and are wiped when the vault
  closes. JavaScript strings cannot be wiped: a value printed or copied exists
  as a string until the garbage collector reuses its memory.
- Processes that read a password or hold a key set their core-dump limit to 0.
- The clipboard is purged after 30 s, but only if it still holds our value.
- Saves are atomic (temp file, fsync, rename) and keep one .bak generation.
- Out of scope: root or code running as you, a compromised kernel or
  terminal, swap (use encrypted swap), copies made outside stickvault.`;
