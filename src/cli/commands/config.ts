/** stv config get|set|list: the documented settings in config.json. */
import type { Command } from 'commander';
import { globals } from '../runtime.js';

export function register(program: Command): void {
  const config = program.command('config').description('read and change settings (config.json in the XDG config dir)');
  config
    .command('list')
    .description('show every setting and its value')
    .addHelpText('after', '\nExamples:\n  $ stv config list\n')
    .action(async (_o, cmd) => (await import('../actions/config-actions.js')).list(globals(cmd)));
  config
    .command('get <key>')
    .description('print one setting (also vaults.NAME.path and vaults.NAME.keyfile)')
    .addHelpText('after', '\nExamples:\n  $ stv config get clipboardSeconds\n  $ stv config get vaults.financial.keyfile\n')
    .action(async (key, _o, cmd) => (await import('../actions/config-actions.js')).get(globals(cmd), key));
  config
    .command('set <key> <value>')
    .description('change one setting (validated); vaults.NAME.path and vaults.NAME.keyfile change a named vault')
    .addHelpText('after', '\nExamples:\n  $ stv config set autoLockSeconds 60\n  $ stv config set defaultVault financial\n  $ stv config set vaults.financial.keyfile /media/fred/KEY/f.keyx\n')
    .action(async (key, value, _o, cmd) => (await import('../actions/config-actions.js')).set(globals(cmd), key, value));
  config
    .command('add-vault <name> <path>')
    .description('name a vault (and its keyfile) so --vault NAME works')
    .option('--keyfile <path>', "the vault's keyfile")
    .addHelpText('after', '\nExamples:\n  $ stv config add-vault financial /media/fred/BLACK/financial.kdbx --keyfile /media/fred/KEY/f.keyx\n')
    // --keyfile is also a global option, which commander hands to the program wherever it stands.
    .action(async (name, path, o, cmd) => (await import('../actions/config-actions.js')).addVault(globals(cmd), name, path, o.keyfile ?? globals(cmd).keyfile));
}
