import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const TWO_STORES = 'const { memoryIdempotencyStore } = require("@siglume-middleware/core"); memoryIdempotencyStore(); memoryIdempotencyStore();';

/** A fresh Node process running `script` with NODE_ENV. */
const run = (NODE_ENV: string, script = TWO_STORES) =>
  spawnSync(process.execPath, ["-e", script], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: { ...process.env, NODE_ENV },
    encoding: "utf8",
  });
const stderrWith = (NODE_ENV: string): string => run(NODE_ENV).stderr;

it("the in-memory store warns once, and only when NODE_ENV=production", () => {
  const production = stderrWith("production");
  expect(production.match(/\[SIGLUME_MEMORY_STORE\]/g)).toHaveLength(1);
  expect(production).toMatch(/more than one instance/);
  expect(stderrWith("development")).toBe("");
});

it("warns on the console where process.emitWarning is a stub that throws (Next.js's edge runtime), and carries on", () => {
  const stub = 'process.emitWarning = () => { throw new Error("A Node.js API is used (process.emitWarning) which is not supported in the Edge Runtime."); };';
  const result = run("production", `${stub} ${TWO_STORES}`);
  expect(result.status).toBe(0);
  expect(result.stderr.match(/\[SIGLUME_MEMORY_STORE\] siglume-middleware is using the in-memory idempotency store/g)).toHaveLength(1);
  expect(result.stderr).not.toMatch(/Edge Runtime/);
});
