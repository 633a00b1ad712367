#!/usr/bin/env node
// `npm run pack [-- <folder> [package…]]`: builds, then packs every publishable package exactly as
// `pnpm publish` will (workspace: ranges become versions) into <folder> (default ./tarballs, git-ignored),
// and prints the `npm install` line that installs them into an app before they are on the registry.
// Our packages depend on each other by version, so an app needs the tarballs of the packages it uses and
// of the @siglume-middleware packages those depend on: naming packages (`express pomelo`) prints a line for those;
// the line with every tarball follows (npm then also installs every framework they name as peers).
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { packPackages, publishablePackages, root } from "./lib/packages.mjs";

const USAGE = "usage: npm run pack [-- <folder> [package…]]   (folder default ./tarballs; packages e.g. express pomelo)";
const [folder, ...wanted] = process.argv.slice(2);
if (folder === "--help" || folder === "-h") {
  console.log(USAGE);
  process.exit(0);
}

/** The named packages and the @siglume-middleware packages they depend on, by name. */
function withDependencies(names) {
  const byName = new Map(publishablePackages().map((pkg) => [pkg.name, pkg]));
  const needed = new Set();
  const add = (name) => {
    const pkg = byName.get(name) ?? byName.get(`@siglume-middleware/${name}`);
    if (!pkg) {
      console.error(`error: no publishable package "${name}" (known: ${[...byName.keys()].map((n) => n.replace("@siglume-middleware/", "")).join(", ")})\n${USAGE}`);
      process.exit(2);
    }
    if (needed.has(pkg.name)) return;
    needed.add(pkg.name);
    for (const dependency of Object.keys(pkg.manifest.dependencies ?? {})) if (byName.has(dependency)) add(dependency);
  };
  names.forEach(add);
  return needed;
}
const needed = wanted.length > 0 ? withDependencies(wanted) : undefined;

// npm runs scripts from the repository root; a folder given on the command line is relative to where it was typed.
const destination = folder === undefined ? join(root, "tarballs") : resolve(process.env.INIT_CWD ?? process.cwd(), folder);
mkdirSync(destination, { recursive: true });
// Tarballs of an earlier version would otherwise sit beside the new ones.
for (const file of readdirSync(destination)) if (/^siglume-middleware-.+\.tgz$/.test(file)) rmSync(join(destination, file));

const packed = await packPackages(destination);
const quote = (path) => (/^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`);
console.log(`Packed ${packed.length} packages into ${destination}:`);
for (const pkg of packed) console.log(`  ${pkg.name}@${pkg.version}`);
const installLine = (packages) => `npm install ${packages.map((pkg) => quote(pkg.tarball)).join(" ")}`;
if (needed !== undefined) {
  console.log(`\nInstall ${[...needed].join(", ")} into your app (your framework as usual):\n`);
  console.log(installLine(packed.filter((pkg) => needed.has(pkg.name))));
}
console.log(`\nInstall ${needed === undefined ? "them" : "all of them"} into your app (your framework as usual):\n`);
console.log(installLine(packed));
