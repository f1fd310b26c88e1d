/**
 * Typed errors shared by every module. Each carries a `kind`; the CLI maps
 * kinds to exit codes in exactly one place (src/cli/exit-codes.ts).
 * Messages are one line, never contain secrets, and say what to do next.
 */
export type ErrorKind =
  | 'other' // exit 1
  | 'usage' // exit 2: bad option, bad rule, impossible request
  | 'wrong-key' // exit 3: wrong master password or keyfile (never which one)
  | 'not-found' // exit 4: entry/group missing or ambiguous
  | 'locked' // exit 5: no way to ask for the password
  | 'corrupt' // exit 6: corrupt, truncated or unsupported file
  | 'sync'; // exit 7: a replica failed or a conflict needs a look

export class StvError extends Error {
  readonly kind: ErrorKind = 'other';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class UsageError extends StvError {
  override readonly kind = 'usage' as const;
}

export class WrongKeyError extends StvError {
  override readonly kind = 'wrong-key' as const;
  constructor(message = 'wrong master password or keyfile') {
    super(message);
  }
}

export class NotFoundError extends StvError {
  override readonly kind = 'not-found' as const;
  /** For ambiguous matches: the candidate paths, shown to the user. */
  readonly candidates: string[];
  constructor(message: string, candidates: string[] = []) {
    super(message);
    this.candidates = candidates;
  }
}

export class LockedError extends StvError {
  override readonly kind = 'locked' as const;
}

/** A file we cannot read: corrupt, truncated, hostile or of an unsupported kind. */
export class CorruptFileError extends StvError {
  override readonly kind = 'corrupt' as const;
}

export class UnsupportedFormatError extends CorruptFileError {}

/** The vault file changed on disk since it was opened; the caller must merge. */
export class VaultChangedError extends StvError {}

export class SyncError extends StvError {
  override readonly kind = 'sync' as const;
}

export function isStvError(e: unknown): e is StvError {
  return e instanceof StvError;
}

/**
 * Text taken from a file, for an error message: quoted, at most `max`
 * characters, control and line-separator characters escaped, so a hostile
 * file cannot make a message span lines or forge terminal output.
 */
export function untrusted(text: string, max = 40): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return `'${cut.replace(/[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`)}'`;
}
