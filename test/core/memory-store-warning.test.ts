import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

/** stderr of a fresh Node process that creates two in-memory stores. */
function stderrWith(NODE_ENV: string): string {
  const script = 'const { memoryIdempotencyStore } = require("@siglume-middleware/core"); memoryIdempotencyStore(); memoryIdempotencyStore();';
  return spawnSync(process.execPath, ["-e", script], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: { ...process.env, NODE_ENV },
    encoding: "utf8",
  }).stderr;
}

it("the in-memory store warns once, and only when NODE_ENV=production", () => {
  const production = stderrWith("production");
  expect(production.match(/\[SIGLUME_MEMORY_STORE\]/g)).toHaveLength(1);
  expect(production).toMatch(/more than one instance/);
  expect(stderrWith("development")).toBe("");
});
