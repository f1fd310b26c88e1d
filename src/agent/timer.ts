/**
 * Lock deadlines, kept on two clocks: the monotonic clock, which setting the
 * wall clock back cannot stretch, and the wall clock, which keeps running
 * while the laptop sleeps (the monotonic one stops). A key locks when either
 * deadline passes. Checked on every request and on a timer. Only uses of a
 * key push its idle deadline back; looking at the status does not.
 */
export interface Clock {
  /** Monotonic milliseconds (performance.now()). */
  mono: number;
  /** Wall-clock milliseconds since the epoch (Date.now()). */
  wall: number;
}

export const systemClock = (): Clock => ({ mono: performance.now(), wall: Date.now() });

interface Until {
  idle: number;
  hard: number;
}

export interface Deadline {
  idleMs: number;
  mono: Until;
  wall: Until;
}

const until = (t: number, idleMs: number, hardMs: number): Until => ({ idle: Math.min(t + idleMs, t + hardMs), hard: t + hardMs });

export function newDeadline(now: Clock, idleSeconds: number, hardCapSeconds: number): Deadline {
  const idleMs = idleSeconds * 1000;
  const hardMs = hardCapSeconds * 1000;
  return { idleMs, mono: until(now.mono, idleMs, hardMs), wall: until(now.wall, idleMs, hardMs) };
}

export function touch(d: Deadline, now: Clock): void {
  d.mono.idle = Math.min(now.mono + d.idleMs, d.mono.hard);
  d.wall.idle = Math.min(now.wall + d.idleMs, d.wall.hard);
}

export function expired(d: Deadline, now: Clock): boolean {
  return now.mono >= d.mono.idle || now.wall >= d.wall.idle;
}

export function secondsLeft(d: Deadline, now: Clock): number {
  return Math.max(0, Math.ceil(Math.min(d.mono.idle - now.mono, d.wall.idle - now.wall) / 1000));
}
