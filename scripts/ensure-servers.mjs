#!/usr/bin/env node
// The store tests run against real PostgreSQL and Redis servers that they start
// themselves. This installs the Debian packages when the binaries are missing
// (CI and fresh machines run as root); anywhere else it says what to install.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";

const onPath = (name) => spawnSync("sh", ["-c", `command -v ${name}`]).status === 0;
const hasPostgres = () =>
  onPath("initdb") ||
  (existsSync("/usr/lib/postgresql") &&
    readdirSync("/usr/lib/postgresql").some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`)));
const hasRedis = () => onPath("redis-server") || existsSync("/usr/bin/redis-server");

const missing = [];
if (!hasPostgres()) missing.push("postgresql");
if (!hasRedis()) missing.push("redis-server");
if (missing.length === 0) process.exit(0);

if (process.getuid?.() !== 0 || !onPath("apt-get")) {
  console.error(`error: the store tests need ${missing.join(" and ")}; install them (e.g. sudo apt-get install ${missing.join(" ")}) and run again.`);
  process.exit(1);
}
console.log(`Installing ${missing.join(", ")} for the store tests…`);
const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], { stdio: "inherit", env });
if (!hasPostgres() || !hasRedis()) {
  console.error("error: installed, but initdb or redis-server is still not found");
  process.exit(1);
}
