/** Long-form help: `stv help rules|aliases|sync|security|exit-codes`. */
import { EXIT_CODES_HELP } from './exit-codes.js';

export const TOPICS: Record<string, () => Promise<string>> = {
  'exit-codes': async () => EXIT_CODES_HELP,
  security: async () => SECURITY_HELP,
  rules: async () => (await import('../generator/index.js')).RULES_HELP,
  aliases: async () => (await import('../aliases/index.js')).ALIASES_HELP,
  sync: async () => (await import('../sync/help.js')).SYNC_HELP,
};

export const SECURITY_HELP = `Security model (summary; the README has the full text)

- The vault is a KeePass KDBX 4 file: AES-256 or ChaCha20 under a key derived
  with Argon2id (64 MiB, tuned to ~1 s) from your password and/or keyfile.
  Someone with the stick but neither has to guess the password through the KDF.
- Secrets never travel on argv or in the environment: passwords come from a
  terminal prompt, stdin, --password-file or --password-fd.
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
