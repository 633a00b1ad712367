// How the tests run a TypeScript file on Bun and on Deno: the binaries the npm packages `bun` and `deno` ship
// (devDependencies of test/; both postinstalls run: root package.json "pnpm.onlyBuiltDependencies"), started
// directly rather than through node_modules/.bin, whose Deno shim is a Node process that would outlive a SIGTERM.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

/** The Bun executable (its postinstall links the platform package's binary to bun/bin/bun.exe). */
export function bunBinary(): string {
  const binary = join(dirname(require.resolve("bun/package.json")), "bin", "bun.exe");
  if (!existsSync(binary)) throw new Error(`no Bun binary at ${binary}: reinstall with bun's postinstall allowed`);
  return binary;
}

/** The Deno executable: deno/deno after its postinstall, else the platform package's binary (its own lookup). */
export function denoBinary(): string {
  return (require("deno/install_api.cjs") as { runInstall(): string }).runInstall();
}

/** What a Deno process of these tests may do: connect to and listen on loopback, read the variables named. */
export interface DenoPermissions {
  /** Environment variables it reads; `true` for all (pg and ioredis enumerate the environment). */
  env: string[] | true;
}

/**
 * `deno run` arguments for a TypeScript file of test/. No lock file; sloppy imports, because the suite's
 * TypeScript imports siblings as "./x.js" (Node's ESM rule) where Deno wants "./x.ts". No read permission is
 * needed: Deno loads modules without it, and finds the workspace packages through test/package.json.
 */
export function denoRunArgs(file: string, { env }: DenoPermissions): string[] {
  const allowEnv = env === true ? "--allow-env" : `--allow-env=${env.join(",")}`;
  return ["run", "--no-lock", "--sloppy-imports", "--allow-net=127.0.0.1", allowEnv, file];
}
