/** The hidden command that writes the manual page from the command definitions. */
import type { Command } from 'commander';

export function register(program: Command): void {
  program.command('__man', { hidden: true }).action(async () => (await import('../actions/man-actions.js')).man(program));
}
