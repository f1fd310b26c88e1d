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

/** A derived key (the agent's) that no longer fits the file: it was re-keyed or re-saved with a new KDF salt. Ask for the password. */
export class StaleKeyError extends StvError {
  override readonly kind = 'locked' as const;
  constructor(message = 'the unlocked key does not match this file; unlock again') {
    super(message);
  }
}

const ERROR_KINDS: readonly ErrorKind[] = ['other', 'usage', 'wrong-key', 'not-found', 'locked', 'corrupt', 'sync'];

export function isErrorKind(v: unknown): v is ErrorKind {
  return typeof v === 'string' && (ERROR_KINDS as readonly string[]).includes(v);
}

/**
 * The typed error for a kind that crossed a process boundary (the agent's
 * socket): the receiver gets a real StvError subclass, never a duck-typed
 * object. An unknown kind (a newer agent) is 'other'.
 */
export function errorFromKind(kind: unknown, message: string): StvError {
  switch (isErrorKind(kind) ? kind : 'other') {
    case 'usage':
      return new UsageError(message);
    case 'wrong-key':
      return new WrongKeyError(message);
    case 'not-found':
      return new NotFoundError(message);
    case 'locked':
      return new LockedError(message);
    case 'corrupt':
      return new CorruptFileError(message);
    case 'sync':
      return new SyncError(message);
    default:
      return new StvError(message);
  }
}

/** The kind of any thrown value, for sending it across a boundary. */
export function kindOf(e: unknown): ErrorKind {
  return e instanceof StvError ? e.kind : 'other';
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

/**
 * " (did you mean X?)" for a mistyped name: the candidates at the smallest
 * edit distance (case-insensitive, a transposition counts once) within about
 * a quarter of the name's length, or that start with it; '' when none is close.
 * `show` names each hit in the message (e.g. by its full path).
 */
export function didYouMean(word: string, candidates: Iterable<string>, show: (hit: string) => string = (h) => h, max = 3): string {
  const w = word.toLowerCase();
  const limit = Math.max(1, Math.floor(w.length / 4));
  let best = Infinity;
  let hits: string[] = [];
  for (const c of new Set(candidates)) {
    const lc = c.toLowerCase();
    const d = w.length >= 3 && lc.startsWith(w) ? 0.5 : editDistance(w, lc, limit);
    if (d > limit) continue;
    if (d < best) {
      best = d;
      hits = [c];
    } else if (d === best) hits.push(c);
  }
  if (!hits.length) return '';
  const shown = hits.slice(0, max).map((h) => `'${show(h)}'`);
  return ` (did you mean ${shown.length > 1 ? `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}` : shown[0]}${hits.length > max ? ', …' : ''}?)`;
}

/** Optimal-string-alignment distance, giving up (limit + 1) once it exceeds `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2] + 1);
      cur[j] = v;
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > limit) return limit + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length];
}
