import { describe, expect, it } from 'vitest';
import { errorFromKind, kindOf, StaleKeyError, StvError, NotFoundError, UsageError, WrongKeyError, LockedError, CorruptFileError, SyncError } from '../../src/errors/index.js';

describe('errorFromKind', () => {
  it('turns every kind that crosses the agent socket back into its typed error, with the message', () => {
    const cases = [
      ['usage', UsageError],
      ['wrong-key', WrongKeyError],
      ['not-found', NotFoundError],
      ['locked', LockedError],
      ['corrupt', CorruptFileError],
      ['sync', SyncError],
    ] as const;
    for (const [kind, type] of cases) {
      const e = errorFromKind(kind, `a ${kind} error`);
      expect(e).toBeInstanceOf(type);
      expect(e.kind).toBe(kind);
      expect(e.message).toBe(`a ${kind} error`);
      expect(kindOf(e)).toBe(kind);
    }
  });

  it("makes an unknown or missing kind (a newer agent, a hostile peer) plain 'other'", () => {
    for (const kind of ['constructor', '__proto__', 'toString', 'exit', 42, undefined, null]) {
      const e = errorFromKind(kind, 'x');
      expect(e.constructor).toBe(StvError);
      expect(e.kind).toBe('other');
    }
    expect(kindOf(new Error('plain'))).toBe('other');
  });

  it('a stale held key is a typed error of kind locked (the CLI then asks for the password)', () => {
    const e = new StaleKeyError();
    expect(e).toBeInstanceOf(StvError);
    expect(kindOf(e)).toBe('locked');
  });
});
