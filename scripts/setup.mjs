#!/usr/bin/env node
// Installs the workspace exactly as locked. Cheap when node_modules is already
// in step with the lockfile, so every top-level command calls it first.
import { spawnSync } from "node:child_process";

const args = ["scripts/pnpm.mjs", "install", "--frozen-lockfile", "--prefer-offline"];
if (process.env.SIGLUME_UNFROZEN === "1") args.splice(2, 1);
const result = spawnSync(process.execPath, args, {
  cwd: new URL("../", import.meta.url),
  stdio: "inherit",
});
process.exit(result.status ?? 1);
