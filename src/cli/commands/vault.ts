/** Vault-level commands: init, keyfile new, passwd, info, check. */
import { Option, type Command } from 'commander';
import { globals } from '../runtime.js';

const kdfOptions = (cmd: Command) =>
  cmd
    .addOption(new Option('--kdf <kind>', 'key derivation function').choices(['argon2id', 'argon2d', 'aes']).default('argon2id'))
    .option('--kdf-ms <ms>', 'tune the KDF to take about this long on this machine', '1000')
    .option('--kdf-memory <MiB>', 'Argon2 memory in MiB', '64')
    .option('--kdf-iterations <n>', 'Argon2 iterations or AES rounds (instead of tuning by --kdf-ms)')
    .option('--kdf-parallelism <n>', 'Argon2 lanes', '2')
    .addOption(new Option('--cipher <name>', 'payload cipher (Twofish as KeePassXC offers it)').choices(['aes', 'chacha20', 'twofish']).default('aes'));

export function register(program: Command): void {
  kdfOptions(
    program
      .command('init')
      .description('create a new vault (KDBX 4, Argon2id by default)')
      .option('--name <name>', 'database name', 'Passwords')
      .option('--force', 'replace an existing file: asks first on a terminal, and keeps the old file as PATH.replaced-DATE')
      .option('--allow-weak', 'accept a master password zxcvbn rates below "strong" (without a keyfile)'),
  )
    .addHelpText('after', `
The new master password is rated by zxcvbn: below "strong" (about 10^8 guesses)
a terminal asks again and a script is refused, unless --allow-weak. With a
keyfile any password is accepted.

Examples:
  $ stv init                                   the default vault, password asked twice
  $ stv --vault ~/sticks/financial.kdbx init --kdf-ms 2000 --cipher chacha20
  $ stv --vault f.kdbx --keyfile f.keyx --no-password init   keyfile only
`)
    .action(async (o, cmd) => (await import('../actions/vault-actions.js')).init(globals(cmd), o));

  const keyfile = program.command('keyfile').description('keyfile commands');
  keyfile
    .command('new <path>')
    .description('write a new KeePass XML v2.0 keyfile (32 random bytes, mode 0600)')
    .addHelpText('after', '\nExamples:\n  $ stv keyfile new /media/fred/KEY/personal.keyx\n')
    .action(async (path, _o, cmd) => (await import('../actions/vault-actions.js')).keyfileNew(globals(cmd), path));

  kdfOptions(
    program
      .command('passwd')
      .description('change the master password and/or keyfile (and optionally the KDF)')
      .option('--new-keyfile <path>', 'use this keyfile from now on')
      .option('--remove-keyfile', 'no keyfile from now on')
      .option('--remove-password', 'no password from now on (needs a keyfile)')
      .option('--rekey', 'keep the password and keyfile, change only the KDF salt and so the key (after a derived key may have leaked)')
      .option('--allow-weak', 'accept a new master password zxcvbn rates below "strong"'),
  )
    .addHelpText('after', `
The new password comes from the terminal (asked twice) or stdin; stdin then
never carries the current one, which comes from the agent, --password-file,
--password-fd or the terminal (--password-fd 0: the first stdin line is the
current password, the next the new one).

Every key change also gives PATH.bak, the local base and the mounted sticks'
backup generations the new key (or removes those under keys retired before),
and says what remains: the sticks' copies until their next 'stv sync'.
With only --cipher, the key stays and no password is asked: the file is re-encrypted.

Examples:
  $ stv passwd                      new password, asked twice
  $ stv passwd --new-keyfile k.keyx   add a keyfile
  $ stv passwd --rekey              same password, new salt and key
  $ stv passwd --cipher twofish       same key, Twofish from now on
  $ printf '%s\\n' "$OLD" "$NEW" | stv --password-fd 0 passwd
`)
    .action(async (o, cmd) => (await import('../actions/vault-actions.js')).passwd(globals(cmd), o, cmd));

  program
    .command('upgrade')
    .description('save a KDBX 3.x vault as KDBX 4 (a MAC on the header and every block); older apps will no longer open it')
    .addHelpText('after', `
A KDBX 3.1 file stays 3.1 when stv saves it, as KeePassXC keeps it, unless its content
needs KDBX 4 (Argon2, custom data, 4.1 fields). KDBX 4 detects a tampered file before
decrypting it; KeePassX 2 and phone apps that read only KDBX 3.1 cannot open it.

Examples:
  $ stv upgrade
  $ stv --vault /media/fred/WHITE/old.kdbx upgrade
`)
    .action(async (_o, cmd) => (await import('../actions/vault-actions.js')).upgrade(globals(cmd)));

  program
    .command('info')
    .description('show the vault file, format, cipher, KDF and counts')
    .addHelpText('after', '\nExamples:\n  $ stv info\n  $ stv --json info\n')
    .action(async (_o, cmd) => (await import('../actions/vault-actions.js')).info(globals(cmd)));

  program
    .command('check')
    .description('read the whole vault strictly (commands read entries only when they need them); exit 6 if malformed')
    .addHelpText('after', '\nExamples:\n  $ stv check\n  $ stv --json check\n')
    .action(async (_o, cmd) => (await import('../actions/vault-actions.js')).check(globals(cmd)));
}
