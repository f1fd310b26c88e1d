/**
 * The `stv` command. Kept small on purpose: it defines the commands and
 * loads a command's implementation only when that command runs, so
 * `stv --version` starts without loading vault code.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { EXIT, EXIT_CANCELLED, EXIT_CODES_HELP, outcomeCode } from './exit-codes.js';
import { forTerminal } from './terminal-safe.js';
import { register as registerVaultCommands } from './commands/vault.js';
import { register as registerEntryCommands } from './commands/entry.js';
import { register as registerReadCommands } from './commands/read.js';
import { register as registerAgentCommands } from './commands/agent.js';
import { register as registerTransferCommands } from './commands/transfer.js';
import { register as registerAttachmentCommands } from './commands/attachment.js';
import { register as registerShell } from './commands/shell.js';
import { registerOptional } from './commands/index.js';

declare const STV_VERSION: string;

export function buildProgram(): Command {
  const program = new Command('stv')
    .description('stickvault: a KeePass-compatible password vault for people who keep their passwords on USB sticks')
    .version(typeof STV_VERSION === 'string' ? STV_VERSION : '0.0.0-dev', '-V, --version')
    .option('--vault <name|path>', 'vault to use: a name from the config or a path (default: $STICKVAULT_VAULT, the config default, then $XDG_DATA_HOME/stickvault/default.kdbx)')
    .option('--keyfile <path>', 'keyfile that is part of the master key')
    .option('--no-password', 'the vault has no master password (keyfile only)')
    .option('--password-file <path>', 'read the master password from the first line of this file')
    .addOption(new Option('--password-fd <n>', 'read the master password from the first line of this file descriptor').argParser(parseFd))
    .option('--json', 'machine-readable output')
    .option('--no-agent', 'neither use nor start the unlock agent')
    .option('--allow-slow-kdf', 'open files whose key derivation would take far longer than usual')
    .option('-q, --quiet', 'no status messages on stderr')
    .option('--no-color', 'no colours (also honours NO_COLOR)')
    .showSuggestionAfterError(true)
    .addHelpText('after', `
Examples:
  $ stv init                          create the default vault
  $ stv add -g Shopping/amazon --url https://amazon.co.uk --username fred
  $ stv clip amazon                   copy its password for 30 s
  $ printf '%s\\n' "$PW" | stv ls -R   read the password from stdin

The master password comes from --password-file, --password-fd, the unlock
agent, a no-echo prompt on the terminal, or the first line of stdin — never
from an option value or the environment. A command that reads a value of its
own from stdin (add/edit -p, passwd, merge, import of a .kdb) never takes the
master password from it: agent, flag or terminal, else exit 5
(--password-fd 0 says the first stdin line is the master password).

${EXIT_CODES_HELP}`);
  program.exitOverride();
  program.configureOutput({ outputError: (s, write) => write(s.replace(/^error:/, 'stv:')) });

  registerVaultCommands(program);
  registerEntryCommands(program);
  registerReadCommands(program);
  registerAgentCommands(program);
  registerTransferCommands(program);
  registerAttachmentCommands(program);
  registerShell(program);
  registerOptional(program);
  oneLineUsageErrors(program);
  return program;
}

/** Commander's usage errors as one line (its "Did you mean" hint joined on) that says where to look next. */
function oneLineUsageErrors(cmd: Command): void {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  const help = `${names.join(' ')} --help`;
  cmd.configureOutput({
    outputError: (s, write) => {
      const text = s.replace(/^error:\s*/, '').replace(/\n\(Did you mean (.*)\?\)/, ' (did you mean $1?)').trim().replace(/^stv:\s*/, '').replace(/\.$/, '');
      write(`stv: ${text}; see '${help}'\n`);
    },
  });
  cmd.commands.forEach(oneLineUsageErrors);
}

function parseFd(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('it must be a file descriptor number');
  return n;
}

export async function main(argv: string[]): Promise<number> {
  // The prompt and spinner libraries read NO_COLOR themselves; --no-color must reach them before they load.
  if (argv.includes('--no-color')) process.env.NO_COLOR = '1';
  const program = buildProgram();
  // `show ENTRY --version N` is show's own option; commander would take --version anywhere for the program's.
  if (argv.slice(2).includes('show')) {
    const i = program.options.findIndex((o) => o.long === '--version');
    if (i >= 0) (program.options as unknown[]).splice(i, 1);
  }
  try {
    await program.parseAsync(argv);
    // A command that finished but found a problem (doctor, an empty find) sets its own status.
    return outcomeCode();
  } catch (e) {
    return reportError(e);
  }
}

function reportError(e: unknown): number {
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    return e.exitCode === 0 ? 0 : 2;
  }
  const err = e as { kind?: keyof typeof EXIT; message?: string; name?: string; stack?: string };
  if (err?.name === 'ExitPromptError' || err?.name === 'AbortPromptError') {
    process.stderr.write('stv: cancelled; nothing was changed\n');
    return EXIT_CANCELLED;
  }
  if (process.env.STV_DEBUG === '1' && err?.stack) process.stderr.write(`${err.stack}\n`);
  if (err?.kind && err.kind in EXIT) {
    process.stderr.write(`stv: ${forTerminal(process.stderr, String(err.message))}\n`);
    return EXIT[err.kind];
  }
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'EPIPE') return 0;
  process.stderr.write(`stv: ${forTerminal(process.stderr, String(err?.message ?? e))}${process.env.STV_DEBUG === '1' ? '' : ' (set STV_DEBUG=1 for details)'}\n`);
  return 1;
}

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
});

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`stv: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
