import type { Deadlines, Watched } from "./contract.js";
import { monotonicNow } from "./timers.js";

const MIN_TICK_MS = 5;
const MAX_TICK_MS = 250;

/**
 * Node's deadlines: one timer for every body read, handler timeout and lease renewal in
 * flight, instead of a timer each: a delivery only adds itself to an array and
 * removes itself when done. The timer ticks at a twentieth of the shortest
 * period it watches (5–250 ms), so a deadline fires within that of its time,
 * and stops once nothing is watched.
 *
 * Each entry keeps its own place in the array (`watchSlot`), so adding and deleting are O(1) and allocate
 * nothing: a deleted entry's place is taken by the last one. (A Set hashes every entry and reallocates its
 * table as entries come and go: about 80 bytes per delivery's add and delete.)
 */
export class Watchdog implements Deadlines {
  private readonly watched: Watched[] = [];
  private timer: NodeJS.Timeout | undefined;
  private tickMs = MAX_TICK_MS;
  private warned = false;

  /** Watches `entry` (fires `entry.expire()` at `entry.at`); `period` is how fine its deadline must be. */
  add(entry: Watched, period: number): void {
    const { watched } = this;
    const slot = entry.watchSlot;
    if (slot === undefined || watched[slot] !== entry) {
      entry.watchSlot = watched.length;
      watched.push(entry);
    }
    const tick = Math.min(MAX_TICK_MS, Math.max(MIN_TICK_MS, Math.floor(period / 20)));
    if (this.timer !== undefined && tick >= this.tickMs) return;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.tickMs = tick;
    this.timer = setInterval(() => this.tick(), tick);
    this.timer.unref();
  }

  delete(entry: Watched): void {
    const { watched } = this;
    const slot = entry.watchSlot;
    if (slot === undefined || watched[slot] !== entry) return; // not watched
    entry.watchSlot = undefined;
    const last = watched.pop()!;
    if (last !== entry) {
      watched[slot] = last;
      last.watchSlot = slot;
    }
  }

  private tick(): void {
    const { watched } = this;
    if (watched.length === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.tickMs = MAX_TICK_MS;
      return;
    }
    const now = monotonicNow();
    // From the end: an entry not yet seen only ever moves to a lower place (a deletion moves the last entry into
    // the deleted one's), so none is skipped; one moved there from the seen part, or added by an expire(), may be
    // seen again, which is harmless (it is not due, or is due and watched again).
    for (let i = watched.length - 1; i >= 0; i--) {
      const entry = watched[i];
      if (entry === undefined || entry.at > now) continue;
      // Taken off by its place, not its `watchSlot`: the loop moves on even if an entry's slot was tampered with.
      const last = watched.pop()!;
      if (i < watched.length) {
        watched[i] = last;
        last.watchSlot = i;
      }
      entry.watchSlot = undefined;
      // One entry's failure must neither crash the process nor starve the others due this tick.
      try {
        entry.expire();
      } catch (error) {
        if (!this.warned) {
          this.warned = true;
          console.error("[siglume-middleware] a watchdog callback threw (only the first is logged):", error);
        }
      }
    }
  }
}
