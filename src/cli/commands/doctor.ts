/** stv doctor: checks that each print a fix when they fail. */
import type { Command } from 'commander';
import { globals } from '../runtime.js';

export function register(program: Command): void {
  program
    .command('doctor')
    .description('check the clipboard, agent, config, sticks and the KDF strength of each vault; print fixes')
    .addHelpText('after', '\nExamples:\n  $ stv doctor\n  $ stv --json doctor\n')
    .action(async (_o, cmd) => (await import('../actions/doctor-actions.js')).doctor(globals(cmd)));
}
