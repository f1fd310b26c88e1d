/** The one place where typed errors become exit codes (documented in the README and `stv help`). */
import type { ErrorKind } from '../errors/index.js';

export const EXIT: Record<ErrorKind, number> = {
  other: 1,
  usage: 2,
  'wrong-key': 3,
  'not-found': 4,
  locked: 5,
  corrupt: 6,
  sync: 7,
};

export const EXIT_CANCELLED = 130;

/**
 * How a command that ran to its end without an error went: checks that found
 * problems (doctor, audit, ssh-add), nothing found (find), a prompt or picker
 * cancelled, or the exit code of the program it ran (exec). main() exits with it.
 */
export type Outcome = 'ok' | 'problems-found' | 'none-found' | 'cancelled' | { child: number };

let outcome: Outcome = 'ok';

export function finishWith(o: Outcome): void {
  outcome = o;
}

export function outcomeCode(): number {
  if (typeof outcome === 'object') return outcome.child;
  return { ok: 0, 'problems-found': EXIT.other, 'none-found': EXIT['not-found'], cancelled: EXIT_CANCELLED }[outcome];
}

export const EXIT_CODES_HELP = `Exit codes:
  0  ok
  1  other error
  2  usage error (bad option, bad rule, impossible request)
  3  wrong master password or keyfile
  4  entry or group not found, or ambiguous
  5  vault locked and no way to ask for the password
  6  corrupt, truncated or unsupported file
  7  sync: a copy failed or a conflict needs a look
130  cancelled at a prompt (Ctrl-C); nothing was changed`;
