#!/usr/bin/env node
// `node scripts/ensure-tools.mjs servers|wrk|valgrind …`: the store tests run real PostgreSQL and Redis
// servers they start themselves, the checkout page test a real Chromium; the benchmark drives
// servers with wrk and counts their instructions with valgrind. This installs the Debian packages when the binaries are missing (CI and fresh machines run as root);
// anywhere else it says what to install.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";

const onPath = (name) => spawnSync("sh", ["-c", `command -v ${name}`]).status === 0;
const hasPostgres = () =>
  onPath("initdb") ||
  (existsSync("/usr/lib/postgresql") &&
    readdirSync("/usr/lib/postgresql").some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`)));
const hasRedis = () => onPath("redis-server") || existsSync("/usr/bin/redis-server");
// The checkout's hosted-page test drives Debian's Chromium with playwright-core (no browser download).
const hasChromium = () => existsSync("/usr/bin/chromium");

const wanted = new Set(process.argv.slice(2));
const missing = [];
if (wanted.has("servers") && !hasPostgres()) missing.push("postgresql");
if (wanted.has("servers") && !hasRedis()) missing.push("redis-server");
if (wanted.has("servers") && !hasChromium()) missing.push("chromium");
if (wanted.has("wrk") && !onPath("wrk")) missing.push("wrk");
if (wanted.has("valgrind") && !onPath("valgrind")) missing.push("valgrind");
if (missing.length === 0) process.exit(0);

if (process.getuid?.() !== 0 || !onPath("apt-get")) {
  console.error(`error: this needs the Debian packages ${missing.join(" and ")}; install them (e.g. sudo apt-get install ${missing.join(" ")}) and run again.`);
  process.exit(1);
}
console.log(`Installing ${missing.join(", ")}…`);
const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], { stdio: "inherit", env });
if (
  (wanted.has("servers") && (!hasPostgres() || !hasRedis() || !hasChromium())) ||
  (wanted.has("wrk") && !onPath("wrk")) ||
  (wanted.has("valgrind") && !onPath("valgrind"))
) {
  console.error(`error: installed ${missing.join(", ")}, but a binary is still not found`);
  process.exit(1);
}
