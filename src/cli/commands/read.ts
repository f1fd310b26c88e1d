/** Read commands: show, ls, find, totp (and totp set). */
import type { Command } from 'commander';
import { globals } from '../runtime.js';

export function register(program: Command): void {
  program
    .command('show <entry>')
    .description('show an entry (protected fields hidden unless -s)')
    .option('-s, --show-protected', 'show protected fields (password) in clear')
    .option('-a, --attr <name>', 'print one field raw, control characters included (title, username, password, url, notes or a custom field)')
    .option('--version <n>', "show version N from 'stv history' (0: the current one)")
    .addHelpText('after', '\nENTRY may also be its UUID, with or without dashes or braces; --json prints UUIDs as 8-4-4-4-12 hex.\nOn a terminal, control characters in values (escape sequences, CR, C1 codes) are shown\nescaped, as \\e, \\r, \\x9b; -a and --json print them raw (JSON escapes them itself).\n\nExamples:\n  $ stv show Shopping/Amazon\n  $ stv show amazon -a password | xsel -b\n  $ stv --json show -s amazon\n  $ stv show amazon --version 2\n')
    .action(async (entry, o, cmd) => (await import('../actions/read-actions.js')).show(globals(cmd), entry, o));

  program
    .command('ls [group]')
    .description('list a group')
    .option('-R, --recursive', 'list subgroups too')
    .option('-f, --flat', 'full paths, one per line')
    .addHelpText('after', '\nExamples:\n  $ stv ls\n  $ stv ls -R -f\n  $ stv --json ls -R Finance\n')
    .action(async (group, o, cmd) => (await import('../actions/read-actions.js')).ls(globals(cmd), group, o));

  program
    .command('find <query>')
    .description('search title, username, URL, notes and tags (case-insensitive)')
    .addHelpText('after', '\nExamples:\n  $ stv find amazon\n  $ stv --json find @example.com\n')
    .action(async (query, _o, cmd) => (await import('../actions/read-actions.js')).find(globals(cmd), query));

  const totp = program
    .command('totp')
    .description("TOTP codes (KeePassXC 'otp' field): show the current code, or set one up")
    .addHelpText('after', '\nExamples:\n  $ stv totp GitHub\n  $ stv --json totp GitHub\n  $ stv totp GitHub --qr\n  $ stv totp set GitHub\n');
  totp
    .command('show <entry>', { isDefault: true })
    .description("print the entry's current TOTP code (with --json: {code, period, remaining})")
    .option('--qr', 'print the otpauth URI as a QR code on the terminal, to move it to a phone')
    .addHelpText('after', '\nExamples:\n  $ stv totp GitHub\n  $ stv --json totp GitHub\n  $ stv totp GitHub --qr\n')
    .action(async (entry, o, cmd) => (await import('../actions/totp-actions.js')).show(globals(cmd), entry, o));
  totp
    .command('set <entry>')
    .description('set up TOTP from an otpauth:// URI or a base32 secret (no-echo prompt, or the next stdin line)')
    .option('--period <seconds>', 'for a bare secret: seconds per code (default 30)')
    .option('--digits <n>', 'for a bare secret: digits per code (default 6)')
    .option('--algorithm <name>', 'for a bare secret: SHA1 (default), SHA256 or SHA512')
    .addHelpText('after', `
Stored as KeePassXC stores it: an otpauth:// URI in the protected 'otp'
field (the old value goes into the entry's history).

Examples:
  $ stv totp set GitHub                       paste the secret or URI at the prompt
  $ printf '%s\\n' "$PW" "$URI" | stv --password-fd 0 totp set GitHub
`)
    .action(async (entry, o, cmd) => (await import('../actions/totp-actions.js')).set(globals(cmd), entry, o));
}
