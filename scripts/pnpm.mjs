#!/usr/bin/env node
// Runs the pinned pnpm (from package.json "packageManager") through npx, so a
// machine with only Node and npm needs nothing installed globally.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

const root = new URL("../", import.meta.url);
const { packageManager } = JSON.parse(readFileSync(new URL("package.json", root), "utf8"));
const result = spawnSync("npx", ["--yes", packageManager, ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
  env: { TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1", ...process.env },
});
process.exit(result.status ?? 1);
