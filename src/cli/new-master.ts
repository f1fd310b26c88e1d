/**
 * A new master password (init, passwd): read like any other, then held
 * against zxcvbn's estimate. Below "safely unguessable" (score 3, about 10^8
 * guesses, three years of one core's work at the default 1 s per guess) a
 * terminal asks again; a script is refused unless it says
 * --allow-weak. A keyfile carries the key's strength, so with one any
 * password (also none) is accepted.
 */
import { UsageError } from '../errors/index.js';
import type { ResolvedVault } from '../config/index.js';
import type { Credentials } from '../vault/index.js';
import type { GlobalOptions } from './runtime.js';
import { readCredentials, type AskOptions } from './session.js';

export const WEAK_BELOW = 3;
const TRIES = 3;
const LABELS = ['very weak', 'weak', 'fair', 'strong', 'very strong'];

export async function readNewMasterPassword(
  opts: GlobalOptions,
  ref: ResolvedVault,
  ask: AskOptions & { allowWeak?: boolean },
): Promise<Credentials & { fromTty: boolean }> {
  const { strength } = await import('../generator/index.js');
  for (let attempt = 1; ; attempt++) {
    const creds = await readCredentials(opts, ref, { ...ask, confirm: true });
    if (!creds.password || creds.keyfile) return creds;
    const r = await strength(Buffer.from(creds.password).toString('utf8'));
    const estimate = `${LABELS[r.score] ?? r.score}, about 10^${Math.floor(r.guessesLog10)} guesses${r.warning ? `: ${r.warning.replace(/\.$/, '')}` : ''}`;
    if (r.score >= WEAK_BELOW || ask.allowWeak) {
      if (creds.fromTty || r.score < WEAK_BELOW) process.stderr.write(`strength: ${estimate}${r.score < WEAK_BELOW ? ' (accepted: --allow-weak)' : ''}\n`);
      return creds;
    }
    creds.wipe();
    if (!creds.fromTty) throw new UsageError(`the new master password is too weak (${estimate}); choose a stronger one (e.g. 'stv gen --words 5'), or pass --allow-weak; nothing was changed`);
    if (attempt >= TRIES) throw new UsageError(`the new master password is too weak (${estimate}); nothing was changed (--allow-weak accepts it)`);
    process.stderr.write(`strength: ${estimate}. Too weak for a master password: choose a longer one (e.g. five random words) — or Ctrl-C and run again with --allow-weak.\n`);
  }
}
