// The publishable packages, found rather than listed (every packages/*/package.json that is not
// "private"), and packing them exactly as `pnpm publish` does. Used by `npm run release` and by the
// packaging test, so both see the same tarballs.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { list } from "tar";

export const root = fileURLToPath(new URL("../../", import.meta.url));

export function publishablePackages() {
  return readdirSync(join(root, "packages"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, "packages", entry.name, "package.json")))
    .map((entry) => {
      const dir = `packages/${entry.name}`;
      const manifest = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"));
      return { name: manifest.name, version: manifest.version, dir, manifest };
    })
    .filter((pkg) => pkg.manifest.private !== true)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Runs a command to its end; resolves with its exit code, stdout, and stdout and stderr interleaved. */
export function exec(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, ...options, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => ((stdout += chunk), (output += chunk)));
    child.stderr.setEncoding("utf8").on("data", (chunk) => (output += chunk));
    child.on("error", (error) => resolve({ code: -1, stdout, output: `${output}${error.message}` }));
    child.on("close", (code, signal) => resolve({ code: code ?? signal, stdout, output }));
  });
}

/** exec, but rejects with the command line and all of its output unless it exits 0. */
export async function run(command, args, options = {}) {
  const result = await exec(command, args, options);
  if (result.code === 0) return result;
  throw new Error(`\`${[command, ...args].join(" ")}\` failed (exit ${result.code}):\n${result.output.trim()}`);
}

/** The files of a packed tarball by path (without the "package/" prefix), with their contents. */
export async function readTarball(file) {
  const files = new Map();
  await list({
    file,
    onReadEntry(entry) {
      const chunks = [];
      entry.on("data", (chunk) => chunks.push(chunk));
      entry.on("end", () => files.set(entry.path.replace(/^package\//, ""), Buffer.concat(chunks)));
    },
  });
  return files;
}

/**
 * `pnpm pack` of every publishable package into `destination`, with the pinned pnpm: workspace:
 * ranges become the versions being published and .pnpmfile.cjs's beforePacking hook applies.
 * Returns each package with its tarball's path, file list and packed package.json.
 */
export async function packPackages(destination) {
  const packages = publishablePackages();
  const filters = packages.flatMap((pkg) => ["--filter", `./${pkg.dir}`]);
  const pnpm = [join(root, "scripts/pnpm.mjs"), "-r", ...filters, "pack", "--pack-destination", destination, "--json"];
  const { stdout } = await run(process.execPath, pnpm);
  const reported = [JSON.parse(stdout)].flat();
  return Promise.all(
    packages.map(async (pkg) => {
      const entry = reported.find((packed) => packed.name === pkg.name);
      if (!entry) throw new Error(`pnpm pack did not report ${pkg.name} (${pkg.dir}):\n${stdout}`);
      const files = await readTarball(entry.filename);
      const manifest = JSON.parse(files.get("package.json")?.toString("utf8") ?? "null");
      return { ...pkg, tarball: entry.filename, files: [...files.keys()].sort(), packedManifest: manifest };
    }),
  );
}
