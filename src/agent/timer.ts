/**
 * Lock deadlines. Wall-clock times, checked on every request and on a timer,
 * so a laptop that sleeps through a deadline wakes up locked. Only uses of a
 * key push its idle deadline back; looking at the status does not.
 */
export interface Deadline {
  idleMs: number;
  idleUntil: number;
  hardUntil: number;
}

export function newDeadline(now: number, idleSeconds: number, hardCapSeconds: number): Deadline {
  return { idleMs: idleSeconds * 1000, idleUntil: now + idleSeconds * 1000, hardUntil: now + hardCapSeconds * 1000 };
}

export function touch(d: Deadline, now: number): void {
  d.idleUntil = Math.min(now + d.idleMs, d.hardUntil);
}

export function expired(d: Deadline, now: number): boolean {
  return now >= d.idleUntil || now >= d.hardUntil;
}

export function secondsLeft(d: Deadline, now: number): number {
  return Math.max(0, Math.ceil((Math.min(d.idleUntil, d.hardUntil) - now) / 1000));
}
