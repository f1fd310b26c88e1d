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
