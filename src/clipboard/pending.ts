/**
 * The helper's book of copies waiting to be purged. At a deadline the
 * clipboard is purged only if it still holds that copy's value and no newer
 * copy of the same value is waiting (or asked never to be purged): copying a
 * value again restarts its countdown.
 */
import { matches } from './hash.js';
import type { PurgeOrder } from './protocol.js';

interface Entry {
  order: PurgeOrder;
  /** Arrival order, to rank two copies made in the same millisecond. */
  seq: number;
}

const newer = (a: Entry, b: Entry) => a.order.copiedAt > b.order.copiedAt || (a.order.copiedAt === b.order.copiedAt && a.seq > b.seq);
const isDue = (e: Entry, now: number) => e.order.deadline !== null && e.order.deadline <= now;

export class PendingPurges {
  private entries: Entry[] = [];
  private seq = 0;

  add(order: PurgeOrder): void {
    this.entries.push({ order, seq: this.seq++ });
  }

  /** The clipboard was cleared at `clearedAt`: copies made until then need no purge. */
  forget(clearedAt: number): void {
    this.entries = this.entries.filter((e) => e.order.copiedAt > clearedAt);
  }

  /** The earliest deadline still ahead; undefined when nothing is left to purge. */
  nextDeadline(): number | undefined {
    const deadlines = this.entries.map((e) => e.order.deadline).filter((d): d is number => d !== null);
    return deadlines.length ? Math.min(...deadlines) : undefined;
  }

  /**
   * Settle the copies due at `now` against the clipboard text (undefined when
   * it could not be read) and drop them. True: the clipboard must be purged.
   */
  settle(now: number, clipboardText: string | undefined): boolean {
    const due = this.entries.filter((e) => isDue(e, now));
    const holds = (e: Entry) => clipboardText !== undefined && matches(clipboardText, e.order);
    const waiting = this.entries.filter((e) => !isDue(e, now) && holds(e));
    // A due copy purges unless the same value was copied again later and that copy is still waiting (or never purges).
    const purge = due.some((e) => holds(e) && !waiting.some((w) => newer(w, e)));
    this.entries = this.entries.filter((e) => !due.includes(e));
    return purge;
  }
}
