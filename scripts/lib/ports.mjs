// Free ports for servers that tests and the demo start on loopback.
//
// Asking the kernel for port 0, closing the probe and binding the real server later is racy: in
// between, the kernel may hand the same port to another `listen(0)` (a sandbox starting at the
// same moment) or to an outgoing connection. So ports come from outside the kernel's ephemeral
// range, which it never assigns by itself: below it, or above it when the range starts low. Each
// concurrent vitest worker (VITEST_POOL_ID, 1..maxWorkers) takes its own slice, so the workers of
// one run never try the same port; separate runs on one machine are kept apart only by a random
// starting point and the probe, which checks that a port is free before handing it out.
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

const SLICE = 1_000;
const LOWEST = 10_000;
const HIGHEST = 65_535;

/** The kernel's ephemeral range; Linux's default where it cannot be read (macOS uses 49152–65535, above it). */
function ephemeralRange() {
  try {
    const [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low <= high) return { low, high };
  } catch {
    // Not Linux.
  }
  return { low: 32_768, high: 60_999 };
}

function sliceStart() {
  const { low, high } = ephemeralRange();
  const below = Math.max(0, Math.floor((low - LOWEST) / SLICE));
  const above = Math.max(0, Math.floor((HIGHEST - high) / SLICE));
  const worker = Number(process.env.VITEST_POOL_ID ?? 0);
  if (worker < below) return LOWEST + worker * SLICE;
  if (worker - below < above) return high + 1 + (worker - below) * SLICE;
  throw new Error(
    `No room for test ports outside the ephemeral range ${low}-${high} for vitest worker ${worker} ` +
      `(${below + above} slices of ${SLICE}): lower maxWorkers or narrow net.ipv4.ip_local_port_range.`,
  );
}

let slice;
let cursor = Math.floor(Math.random() * SLICE);

function probe(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A port on 127.0.0.1 that is free now and that the kernel will not give to anyone else. */
export async function freePort() {
  slice ??= sliceStart();
  for (let tries = 0; tries < SLICE; tries++) {
    const port = slice + (cursor++ % SLICE);
    if (await probe(port)) return port;
  }
  throw new Error(`no free port in ${slice}-${slice + SLICE - 1}`);
}
