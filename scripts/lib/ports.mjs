// Free ports for servers that tests and the demo start on loopback.
//
// Asking the kernel for port 0, closing the probe and binding the real server later is racy: in
// between, the kernel may hand the same port to another `listen(0)` (a sandbox starting at the
// same moment) or to an outgoing connection. So ports come from below the kernel's ephemeral
// range, which it never assigns by itself, and each concurrent vitest worker (VITEST_POOL_ID)
// takes its own slice, so two workers never try the same port. A port is still probed before
// it is handed out, in case something else on the machine holds it.
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

const FIRST = 10_000;
const SLICE = 1_000;

function ephemeralLow() {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > FIRST + SLICE) return low;
  } catch {
    // Not Linux: use Linux's default.
  }
  return 32_768;
}

const slices = Math.floor((ephemeralLow() - FIRST) / SLICE);
const slice = FIRST + (Number(process.env.VITEST_POOL_ID ?? 0) % slices) * SLICE;
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
  for (let tries = 0; tries < SLICE; tries++) {
    const port = slice + (cursor++ % SLICE);
    if (await probe(port)) return port;
  }
  throw new Error(`no free port in ${slice}-${slice + SLICE - 1}`);
}
