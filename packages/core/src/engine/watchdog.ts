import { performance } from "node:perf_hooks";

/** Something the watchdog calls back once its time is up, unless cancelled first. */
export interface Watched {
  /** watchdog.now() (monotonic ms) after which `expire` runs. */
  at: number;
  expire(): void;
}

const MIN_TICK_MS = 5;
const MAX_TICK_MS = 250;

/**
 * One timer for every body read, handler timeout and lease renewal in
 * flight, instead of a timer each: a delivery only adds itself to a Set and
 * removes itself when done. The timer ticks at a twentieth of the shortest
 * period it watches (5–250 ms), so a deadline fires within that of its time,
 * and stops once nothing is watched.
 */
export class Watchdog {
  private readonly watched = new Set<Watched>();
  private timer: NodeJS.Timeout | undefined;
  private tickMs = MAX_TICK_MS;
  private warned = false;

  /** The watchdog's clock: monotonic, so a stepped wall clock neither stalls nor fires deadlines. */
  now(): number {
    return performance.now();
  }

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

/** The process's watchdog, shared by every engine. */
export const watchdog = new Watchdog();
