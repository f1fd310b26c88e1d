/**
 * The helper's book of copies waiting to be purged. At a deadline the
 * clipboard is purged only if it still holds that copy's value and no newer
 * copy of the same value is waiting (or asked never to be purged): copying a
 * value again restarts its countdown.
 *
 * A copy of another value announced shortly before a deadline may not have
 * reached the clipboard yet (stv clip tells the helper first, then writes):
 * reading the old value and clearing would wipe the new one as it lands. So
 * such a deadline waits until that write has surely landed or failed
 * (WRITE_GRACE_MS after the announcement) and is settled again then.
 */
import { matches } from './hash.js';
import type { PurgeOrder } from './protocol.js';

interface Entry {
  order: PurgeOrder;
  /** Arrival order, to rank two copies made in the same millisecond. */
  seq: number;
  /** A deadline put off while a newer copy's write may still be landing. */
  retryAt?: number;
}

/** How long after announcing a copy its write has surely landed or failed. */
export const WRITE_GRACE_MS = 10_000;

const newer = (a: Entry, b: Entry) => a.order.copiedAt > b.order.copiedAt || (a.order.copiedAt === b.order.copiedAt && a.seq > b.seq);
const deadlineOf = (e: Entry) => e.retryAt ?? e.order.deadline;
const isDue = (e: Entry, now: number) => { const d = deadlineOf(e); return d !== null && d <= now; };

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
    const deadlines = this.entries.map(deadlineOf).filter((d): d is number => d !== null);
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
    // A due copy purges unless the same value was copied again later and that copy is still waiting (or never purges),
    // or another value was announced so recently that its write may still be landing: then it is settled again later.
    let purge = false;
    const putOff: Entry[] = [];
    for (const e of due.filter(holds)) {
      if (waiting.some((w) => newer(w, e))) continue;
      const landing = this.entries.filter((w) => !holds(w) && newer(w, e) && w.order.copiedAt + WRITE_GRACE_MS > now);
      if (landing.length) {
        e.retryAt = Math.max(...landing.map((w) => w.order.copiedAt + WRITE_GRACE_MS));
        putOff.push(e);
      } else purge = true;
    }
    this.entries = this.entries.filter((e) => !due.includes(e) || putOff.includes(e));
    return purge;
  }
}
