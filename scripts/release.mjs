#!/usr/bin/env node
// `npm run release` (after `pnpm changeset version`, see docs/maintainers.md "Releasing"): publishes
// every publishable package with `pnpm -r publish` through the pinned pnpm, which replaces each
// workspace: range with the version being published. Arguments are passed on to pnpm publish.
//
// `npm run release -- --dry-run` publishes nothing: it packs every package as pnpm publish does and
// prints each tarball's name, version and dependency ranges, then runs pnpm's own publish dry run.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { packPackages, root } from "./lib/packages.mjs";

const args = process.argv.slice(2);
const dryRun = args.includes("--dry-run");

if (dryRun) {
  const destination = mkdtempSync(join(tmpdir(), "siglume-release-"));
  try {
    for (const pkg of await packPackages(destination)) {
      console.log(`${pkg.name}@${pkg.packedManifest.version}  ${basename(pkg.tarball)}, ${pkg.files.length} files`);
      for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
        for (const [name, range] of Object.entries(pkg.packedManifest[field] ?? {})) {
          console.log(`  ${field}: ${name} ${range}`);
        }
      }
    }
  } finally {
    rmSync(destination, { recursive: true, force: true });
  }
  console.log("\npnpm -r publish --dry-run:");
}

// --no-git-checks only for the dry run: a real release must come from a clean main branch.
const publish = ["scripts/pnpm.mjs", "-r", "publish", "--access", "public", ...(dryRun ? ["--no-git-checks"] : []), ...args];
const result = spawnSync(process.execPath, publish, { cwd: root, stdio: "inherit" });
process.exit(result.status ?? 1);
