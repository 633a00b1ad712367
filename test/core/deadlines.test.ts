// The shared deadlines on Node (one watchdog timer for every body read, handler timeout and renewal): which
// entries expire, and that entries coming and going in the same tick are neither lost nor expired twice.
import { describe, expect, it } from "vitest";
import { deadlines, type Watched } from "@siglume-middleware/core";
import { until } from "../support/timing.js";

/** An entry due `inMs` from now that records its expiry in `log` (and runs `then`, if given). */
function entry(name: string, inMs: number, log: string[], then?: () => void): Watched {
  return {
    at: performance.now() + inMs,
    watchSlot: undefined,
    expire() {
      log.push(name);
      then?.();
    },
  };
}

/** Resolves once an entry added now, due at once, expired: every entry due before it was seen in that tick. */
function nextTick(log: string[]): Promise<void> {
  return new Promise((resolve) => deadlines.add(entry("marker", -1, log, resolve), 100));
}

describe("deadlines (Node's shared watchdog)", () => {
  it("expires every due entry once, and none that was deleted or is not due", async () => {
    const log: string[] = [];
    const due = [entry("a", -1, log), entry("b", -1, log), entry("c", -1, log)];
    const later = entry("later", 60_000, log);
    for (const e of [...due, later]) deadlines.add(e, 100);
    deadlines.add(due[0]!, 100); // added twice: still watched once
    deadlines.delete(due[1]!);
    deadlines.delete(due[1]!); // deleting what is not watched does nothing
    await nextTick(log);
    expect(log.filter((name) => name !== "marker").sort()).toEqual(["a", "c"]);
    deadlines.delete(later);
  });

  it("an entry deleted by another's expiry in the same tick does not expire; one added there is watched", async () => {
    const log: string[] = [];
    const victims = [entry("v1", -1, log), entry("v2", -1, log)];
    const added = entry("added", -1, log);
    const killer = entry("killer", -1, log, () => {
      for (const victim of victims) deadlines.delete(victim);
      deadlines.add(added, 100);
    });
    // Around the killer on both sides, so whichever order the tick visits them, the victims are deleted first.
    deadlines.add(victims[0]!, 100);
    deadlines.add(killer, 100);
    deadlines.add(victims[1]!, 100);
    await until(() => log.includes("killer"), 10_000, "the killer's expiry");
    await nextTick(log);
    await nextTick(log); // `added` was due when added: expired by the next tick at the latest
    const expired = log.filter((name) => name !== "marker");
    expect(expired).toContain("added");
    // A victim visited before the killer expired first (a tick is a moment); none expired after being deleted.
    expect(expired.indexOf("killer")).toBeGreaterThanOrEqual(0);
    for (const victim of ["v1", "v2"]) {
      const at = expired.indexOf(victim);
      expect(at === -1 || at < expired.indexOf("killer")).toBe(true);
    }
    expect(expired.filter((name) => name === "added")).toHaveLength(1);
  });

  it("takes a due entry off by its place, so one whose watchSlot was tampered with expires once, not every tick", async () => {
    const log: string[] = [];
    const tampered = entry("tampered", -1, log);
    deadlines.add(tampered, 100);
    tampered.watchSlot = 12_345;
    await nextTick(log);
    await nextTick(log);
    expect(log.filter((name) => name === "tampered")).toEqual(["tampered"]);
  });

  it("keeps working for entries added and deleted in any order (1,000 at once)", async () => {
    const log: string[] = [];
    const many = Array.from({ length: 1000 }, (_, i) => entry(String(i), i % 2 === 0 ? -1 : 60_000, log));
    for (const e of many) deadlines.add(e, 100);
    for (let i = 0; i < many.length; i += 4) deadlines.delete(many[i]!); // every fourth: half of the due ones
    await nextTick(log);
    const expired = new Set(log.filter((name) => name !== "marker").map(Number));
    const expected = many.map((_, i) => i).filter((i) => i % 2 === 0 && i % 4 !== 0);
    expect([...expired].sort((x, y) => x - y)).toEqual(expected);
    for (const e of many) deadlines.delete(e);
  });
});
