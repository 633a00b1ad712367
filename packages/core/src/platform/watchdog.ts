import type { Deadlines, Watched } from "./contract.js";

const MIN_TICK_MS = 5;
const MAX_TICK_MS = 250;

/**
 * Node's deadlines: one timer for every body read, handler timeout and lease renewal in
 * flight, instead of a timer each: a delivery only adds itself to a Set and
 * removes itself when done. The timer ticks at a twentieth of the shortest
 * period it watches (5–250 ms), so a deadline fires within that of its time,
 * and stops once nothing is watched.
 */
export class Watchdog implements Deadlines {
  private readonly watched = new Set<Watched>();
  private timer: NodeJS.Timeout | undefined;
  private tickMs = MAX_TICK_MS;
  private warned = false;

  /** Watches `entry` (fires `entry.expire()` at `entry.at`); `period` is how fine its deadline must be. */
  add(entry: Watched, period: number): void {
    this.watched.add(entry);
    const tick = Math.min(MAX_TICK_MS, Math.max(MIN_TICK_MS, Math.floor(period / 20)));
    if (this.timer !== undefined && tick >= this.tickMs) return;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.tickMs = tick;
    this.timer = setInterval(() => this.tick(), tick);
    this.timer.unref();
  }

  delete(entry: Watched): void {
    this.watched.delete(entry);
  }

  private tick(): void {
    if (this.watched.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.tickMs = MAX_TICK_MS;
      return;
    }
    const now = performance.now();
    for (const entry of this.watched) {
      if (entry.at > now) continue;
      this.watched.delete(entry);
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
