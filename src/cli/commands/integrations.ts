/** Where other programs plug in: git-credential, ssh-add, exec, audit, pick. */
import type { Command } from 'commander';
import { globals } from '../runtime.js';

export function register(program: Command): void {
  program
    .command('git-credential <action>')
    .description("git's credential helper (get, store, erase): set it up with 'git config --global credential.helper stv'")
    .addHelpText('after', `
git runs 'git-credential-stv get|store|erase' with the request on stdin. get
answers from the entry whose URL matches protocol, host, port (and path with
credential.useHttpPath) and username; store adds or updates an entry in the
group 'Git' (config gitCredentialGroup), the old password kept in history;
erase moves an exact match to the recycle bin. The master password comes from
the agent, --password-file/-fd or a prompt on /dev/tty, never from stdin; when
the vault is locked and there is no terminal, or nothing matches, get prints
nothing so git asks elsewhere.

Examples:
  $ git config --global credential.helper stv
  $ git config --global credential.helper 'stv --vault work'
  $ printf 'protocol=https\\nhost=github.com\\n\\n' | git credential fill
`)
    .action(async (action, _o, cmd) => (await import('../actions/git-credential-actions.js')).gitCredential(globals(cmd), action));
  registerExec(program);
  registerAudit(program);
  registerSshAdd(program);
  registerPick(program);
  // For npm run bench: N lookups of random SHA-1s in a Pwned Passwords file, timed in-process.
  program.command('__bench-hibp <file> <count>', { hidden: true }).action(async (file: string, count: string) => {
    const [{ HibpFile }, { randomBytes }] = await Promise.all([import('../../audit/index.js'), import('node:crypto')]);
    const f = HibpFile.open(file);
    const hashes = Array.from({ length: Number(count) }, () => randomBytes(20).toString('hex'));
    const reads = f.reads;
    const start = performance.now();
    let found = 0;
    for (const h of hashes) if (f.count(h) > 0) found++;
    const ms = performance.now() - start;
    process.stdout.write(`${JSON.stringify({ lookups: hashes.length, found, ms, perLookupUs: (ms * 1000) / hashes.length, readsPerLookup: (f.reads - reads) / hashes.length, size: f.size })}\n`);
    f.close();
  });
}

export function registerExec(program: Command): void {
  const collect = (v: string, prev: string[] = []) => [...prev, v];
  program
    .command('exec')
    .description('run a command with secrets as files (NAME_FILE) or on its stdin, never in argv or the environment')
    .option('-f, --file <NAME=ENTRY[:FIELD]>', 'write the field (default password) to a 0600 file; the command gets NAME_FILE=path (repeatable)', collect)
    .option('--stdin <ENTRY[:FIELD]>', "write the field to the command's stdin, then close it")
    .option('--newline', 'end the --stdin value with a newline')
    .argument('<command...>', 'the command and its arguments, after --')
    .addHelpText('after', `
The files live in a 0700 directory in the private runtime dir on tmpfs
($XDG_RUNTIME_DIR, else /dev/shm) and are removed when the command exits or
is killed, and when stv is killed (a watchdog; a later stv exec sweeps what
a killed watchdog left). The exit code is the command's (128+N for signal N).

Examples:
  $ stv exec --file PGPASSFILE=Db/pgpass -- psql -h db.example
  $ stv exec -f DB_PASSWORD=Db/prod -f API_TOKEN='Api:token' -- docker compose up
  $ stv exec --stdin Registry -- docker login --username fred --password-stdin registry.example
`)
    .action(async (argv: string[], o, cmd) => (await import('../actions/exec-actions.js')).exec(globals(cmd), argv, o));
  program.command('__exec-watchdog <dir>', { hidden: true }).action(async (dir: string) => (await import('../../exec/index.js')).runWatchdog(dir));
}

function registerAudit(program: Command): void {
  program
    .command('audit [group]')
    .description('check passwords: weak, reused, short, old, expired, breached (Pwned Passwords); exit 1 when something is found')
    .option('--hibp <file>', "look each password up in the Pwned Passwords SHA-1 file ordered by hash (searched in place: milliseconds, never loaded)")
    .option('--hibp-online', 'ask the Pwned Passwords range API (only the first 5 hex digits of each SHA-1 are sent)')
    .option('--hibp-url <url>', 'the range API to ask (default: config hibpRangeUrl, else https://api.pwnedpasswords.com/range/)')
    .option('--older-than <age>', 'flag passwords unchanged for longer than this (1y, 6m, 90d, 12w)')
    .option('--min-length <n>', 'passwords shorter than this are short', '12')
    .option('--min-score <n>', 'zxcvbn scores (0-4) below this are weak', '3')
    .option('-v, --verbose', 'details for each finding (score and guesses, which entries share a password, breach counts)')
    .addHelpText('after', `
Entries in the recycle bin, without a password, or excluded from reports in
KeePassXC are skipped. Reused passwords are found by a keyed hash made for
this run; no password is printed.

Examples:
  $ stv audit
  $ stv audit -v --older-than 1y Finance
  $ stv audit --hibp ~/pwned-passwords-sha1-ordered-by-hash-v8.txt
  $ stv audit --hibp-online
  $ stv --json audit --hibp-online | jq '.entries[].path'
`)
    .action(async (group, o, cmd) => (await import('../actions/audit-actions.js')).audit(globals(cmd), group, o));
}

function registerSshAdd(program: Command): void {
  program
    .command('ssh-add [entry...]')
    .description("load entries' SSH keys into the running ssh-agent (SSH_AUTH_SOCK), as KeePassXC's KeeAgent settings say")
    .option('-l, --list', 'show which entries hold SSH keys, and which are in ssh-agent now')
    .option('-d, --delete', 'remove the keys stv added from this vault (stv lock does too)')
    .option('-t, --lifetime <seconds>', "how long ssh-agent keeps the keys (90m, 8h, 1d; 0 = until stv lock); default: the entry's KeeAgent lifetime, else the vault's auto-lock time")
    .option('-c, --confirm', 'ssh-agent asks before each use of the keys')
    .addHelpText('after', `
Without ENTRY: every entry whose KeeAgent settings (KeePassXC: Entry › SSH
Agent) allow the key and add it when the database opens. The key is an
attachment or a file, as the settings say; an entry without settings may
hold one private key attachment. Its passphrase is the entry's password.
Keys go to ssh-agent over its socket: never to disk, never on a command line.
'stv lock' removes them again (unless 'Remove key from agent when database
is closed/locked' is off).

Examples:
  $ stv ssh-add                         the keys KeePassXC adds when the vault opens
  $ stv ssh-add Servers/web1 --lifetime 8h
  $ stv ssh-add --list
  $ stv lock                            the vault and its keys
`)
    .action(async (entries: string[], o, cmd) => (await import('../actions/ssh-add-actions.js')).sshAdd(globals(cmd), entries, o));
}

function registerPick(program: Command): void {
  program
    .command('pick [query]')
    .description('choose an entry in fzf (or rofi, dmenu, wofi) and copy its password, purged after 30 s')
    .option('--picker <name>', 'fzf, rofi, dmenu, wofi, or a command line that reads lines and prints the chosen one (default: config picker, else fzf on a terminal, else rofi/wofi/dmenu)')
    .option('-f, --field <name>', 'copy this field instead of the password (username, url, totp, a custom field)')
    .option('--best', "take fzf's best match for QUERY without showing the picker (fzf --filter)")
    .option('-t, --timeout <seconds>', 'seconds before the purge (as stv clip)')
    .option('--print-if-no-clipboard', 'with no clipboard, show the value on the terminal instead')
    .addHelpText('after', `
The picker sees entry paths only, on its stdin. Run from a desktop key
binding, unlock first ('stv unlock'): a picker cannot ask for the password.

Examples:
  $ stv pick                          fzf over every entry; Enter copies the password
  $ stv pick amaz -f username
  $ stv pick --picker rofi            e.g. bound to a key in your window manager
  $ stv pick --best github -f totp    no picker: fzf's best match
`)
    .action(async (q, o, cmd) => (await import('../actions/pick-actions.js')).pick(globals(cmd), q, o));
}
