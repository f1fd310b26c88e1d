/** import, export, merge. */
import { Option, type Command } from 'commander';
import { globals } from '../runtime.js';

export function register(program: Command): void {
  program
    .command('import <file>')
    .description('import entries from another password manager (added as copies under a new group)')
    .addOption(new Option('--format <format>', 'file format (default: detected)').choices(['keepass-xml', 'kdb', 'bitwarden-json', 'csv']))
    .option('--group <path>', 'group to import into (default: Imported/<file name>)')
    .option('--skip-existing', 'leave out items already in the group with the same path and content')
    .option('--keyfile-from <path>', 'keyfile of a .kdb file (32 raw bytes, 64 hex digits, or any file, hashed)')
    .option('--no-password-from', 'the .kdb file has no password (keyfile only)')
    .addHelpText('after', `
CSV layouts: KeePassXC, Bitwarden, Chrome and Firefox exports (told apart by the header row).
Bitwarden JSON: logins, secure notes, cards, identities, SSH keys, TOTP, custom fields,
password history and dates; what cannot be imported (passkeys, linked fields) is named.
A KeePass 1 / KeePassX .kdb file (AES or Twofish) asks for its own password (terminal, or
the first stdin line) and comes in whole: every group, icons, expiry, attachments; the
master password then comes from the agent, --password-file, --password-fd or the
terminal, never from stdin.
Importing into a group that already holds the same items says so; --skip-existing skips them.

Examples:
  $ stv import ~/old/keepassx.kdb
  $ stv import --keyfile-from /media/fred/KEY/old.key --no-password-from old.kdb
  $ stv import --format csv chrome-passwords.csv --group Browser
  $ keepassxc-cli export -f xml old.kdbx > old.xml && stv import old.xml && shred -u old.xml
`)
    .action(async (file, o, cmd) => (await import('../actions/transfer-actions.js')).importFile(globals(cmd), file, o));

  program
    .command('export')
    .description('write the whole vault in plaintext to stdout (only with an explicit --format)')
    .addOption(new Option('--format <format>', 'xml (KeePass XML), csv (KeePassXC layout) or json').choices(['xml', 'csv', 'json']))
    .option('--raw-csv', "CSV cells exactly as stored: no ' before a cell starting with = + - @ TAB CR (spreadsheet formula injection)")
    .addHelpText('after', '\nExamples:\n  $ stv export --format xml > backup.xml      # plaintext: keep it safe, delete it after use\n  $ stv export --format json | jq .\n')
    .action(async (o, cmd) => (await import('../actions/transfer-actions.js')).exportVault(globals(cmd), o));

  program
    .command('merge <other>')
    .description('merge another copy of the vault into this one (as keepassxc-cli merge); no edit is lost')
    .option('-s, --same-credentials', 'the other file has the same password and keyfile')
    .option('--keyfile-from <path>', 'keyfile of the other file')
    .option('--no-password-from', 'the other file has no password (keyfile only)')
    .option('--dry-run', 'show what would change without saving')
    .addHelpText('after', `
Without -s the other file's password comes from the terminal or stdin, and the
master password then never from stdin (agent, --password-file, --password-fd or
the terminal).

Examples:
  $ stv merge -s /media/fred/WHITE-BACKUP/personal.kdbx
  $ stv merge --dry-run -s other.kdbx
`)
    .action(async (other, o, cmd) => (await import('../actions/transfer-actions.js')).merge(globals(cmd), other, o));
}
