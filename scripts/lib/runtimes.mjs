// Bun and Deno for the tests and the demo: the binaries the npm packages `bun` and `deno` ship, devDependencies
// of test/ (both postinstalls are allowed in the root package.json's "pnpm.onlyBuiltDependencies"). They are
// started directly, not through node_modules/.bin: pnpm's Deno shim is a Node process, and a SIGTERM to it
// would leave Deno running.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(fileURLToPath(new URL("../../test/package.json", import.meta.url)));

/** The JavaScript runtimes an app can be run on here. */
export const RUNTIMES = ["node", "bun", "deno"];

/** The Bun executable (its postinstall links the platform package's binary to bun/bin/bun.exe). */
export function bunBinary() {
  const binary = join(dirname(require.resolve("bun/package.json")), "bin", "bun.exe");
  if (!existsSync(binary)) throw new Error(`no Bun binary at ${binary}: run \`node scripts/setup.mjs\` (bun's postinstall links it)`);
  return binary;
}

/** The Deno executable: deno/deno once its postinstall ran, else the platform package's binary (Deno's own lookup). */
export function denoBinary() {
  return require("deno/install_api.cjs").runInstall();
}

/**
 * `deno run` arguments for a TypeScript file: no lock file; sloppy imports, because this repository's TypeScript
 * imports siblings as "./x.js" (Node's ESM rule) where Deno wants "./x.ts"; connecting to and listening on
 * loopback; reading the environment variables named (`true`: all of them, as pg and ioredis need). Nothing
 * else: Deno loads statically imported modules without read permission and finds workspace packages through the
 * package.json beside the file. A module imported by a name computed at run time needs read permission: list the
 * folders in `read` (the bench's Standard Webhooks provider, imported only where it is installed).
 */
export function denoRunArgs(file, { env, read = [] }) {
  const allowEnv = env === true ? "--allow-env" : `--allow-env=${env.join(",")}`;
  const allowRead = read.length ? [`--allow-read=${read.join(",")}`] : [];
  return ["run", "--no-lock", "--sloppy-imports", "--allow-net=127.0.0.1", allowEnv, ...allowRead, file];
}
