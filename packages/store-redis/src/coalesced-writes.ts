import type { Redis } from "ioredis";

/**
 * Holds the client's socket writes until the end of the current tick (as Node's HTTP responses do with their own
 * socket), so the commands of the deliveries handled in one tick leave in one write rather than one system call
 * each. Nothing waits longer than the tick, and the commands and their order are unchanged. A client without a
 * socket of its own (a Cluster, or one not connected yet) is left as it is.
 */
export class CoalescedWrites {
  private corked: NonNullable<Redis["stream"]> | undefined;

  constructor(private readonly redis: Redis) {}

  /** Call before sending a command: the socket is corked until the end of this tick. */
  hold(): void {
    if (this.corked !== undefined) return;
    const stream = this.redis.stream as Redis["stream"] | undefined;
    if (typeof stream?.cork !== "function") return;
    this.corked = stream;
    stream.cork();
    process.nextTick(this.release);
  }

  private readonly release = (): void => {
    const stream = this.corked!;
    this.corked = undefined;
    stream.uncork();
  };
}
