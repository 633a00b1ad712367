// `npm run pack` (scripts/pack.mjs) as a real subprocess: every publishable package packed with pnpm into the
// folder given, earlier tarballs of ours replaced, and an `npm install` line naming existing tarballs: all of
// them, and for the packages named, those and the @siglume-middleware packages they depend on.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { publishablePackages, root } from "../scripts/lib/packages.mjs";

const folder = mkdtempSync(join(tmpdir(), "siglume-pack-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const pack = (...args: string[]) => spawnSync(process.execPath, [join(root, "scripts/pack.mjs"), ...args], { encoding: "utf8", cwd: tmpdir() });
const installLines = (stdout: string) => stdout.split("\n").filter((line) => line.startsWith("npm install ")).map((line) => line.split(" ").slice(2));

describe("npm run pack", () => {
  it("packs every publishable package into the folder given and prints the npm install line for the packages named", { timeout: 120_000 }, () => {
    writeFileSync(join(folder, "siglume-middleware-core-0.0.1.tgz"), "an earlier version");
    writeFileSync(join(folder, "notes.txt"), "not ours");
    const run = pack(folder, "express");
    expect(run.status, run.stderr).toBe(0);
    const expected = publishablePackages().map((pkg) => `${pkg.name.slice(1).replace("/", "-")}-${pkg.version}.tgz`);
    expect(readdirSync(folder).sort()).toEqual([...expected, "notes.txt"].sort());
    const [named, all] = installLines(run.stdout);
    expect(named!.map((file) => file.replace(`${folder}/`, "")).sort()).toEqual(expected.filter((file) => /-(core|checkout|express)-/.test(file)).sort());
    expect(all!.map((file) => file.replace(`${folder}/`, "")).sort()).toEqual([...expected].sort());
    for (const file of all!) expect(existsSync(file), file).toBe(true);
  });

  it("refuses an unknown package name before packing anything; the default folder is git-ignored", () => {
    const empty = mkdtempSync(join(tmpdir(), "siglume-pack-none-"));
    try {
      const run = pack(empty, "expresss");
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/no publishable package "expresss" \(known: adyen, checkout/);
      expect(readdirSync(empty)).toEqual([]);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    expect(execFileSync("git", ["check-ignore", "tarballs/siglume-middleware-core-0.1.0.tgz"], { cwd: root, encoding: "utf8" }).trim()).toBe("tarballs/siglume-middleware-core-0.1.0.tgz");
  });
});
