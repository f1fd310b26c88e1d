/**
 * The bundle's entry point. `stv --version` is answered here, before the
 * command definitions load: commander and the ~60 command registrations
 * cost more than Node's own start (issue 10, row 5). Everything else goes
 * to main.ts.
 */
declare const STV_VERSION: string;

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${typeof STV_VERSION === 'string' ? STV_VERSION : '0.0.0-dev'}\n`);
} else {
  await import('./main.js');
}
