/** stv audit: check passwords (and the hidden HIBP benchmark behind npm run bench). */
import type { Command } from 'commander';
import { globals } from '../runtime.js';

export function register(program: Command): void {
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
