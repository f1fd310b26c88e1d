/** stv completion bash|zsh|fish, and the hidden helper the scripts call for entry names. */
import type { Command } from 'commander';
import { globals } from '../runtime.js';

export function register(program: Command): void {
  program
    .command('completion <shell>')
    .description('print a shell completion script (bash, zsh or fish)')
    .addHelpText('after', `
Examples:
  $ source <(stv completion bash)            # in ~/.bashrc
  $ stv completion zsh > ~/.zfunc/_stv       # with fpath+=(~/.zfunc)
  $ stv completion fish > ~/.config/fish/completions/stv.fish

Entry names complete only while the vault is unlocked ('stv unlock'); completion never asks for a password.
Names with spaces or shell characters are inserted quoted; --vault completes the configured vault names.
`)
    .action(async (shell, _o, cmd) => (await import('../actions/completion-actions.js')).completion(cmd.parent!, shell));
  program
    .command('__complete-vaults', { hidden: true })
    .action(async () => (await import('../actions/completion-actions.js')).completeVaults());
  program
    .command('__complete-entries', { hidden: true })
    .action(async (_o, cmd) => (await import('../actions/completion-actions.js')).completeEntries(globals(cmd)));
}
