// Cloudflare workerd as a smoke target: a Worker bundled the way wrangler bundles one, served by the workerd
// binary from npm with a Cap'n Proto config, with or without nodejs_compat.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import * as esbuild from "esbuild";
import { startTarget, type RunningTarget } from "./spawn.js";

/**
 * The compatibility date of every Worker here: a current one, within what the workerd binary accepts (its build
 * date + 7 days) and what wrangler's bundled workerd accepts (the example, examples/cloudflare-worker). From
 * 2026-08-04 on, nodejs_compat is on by default: a Worker without it must turn it off with both NO_NODEJS_COMPAT flags.
 */
export const COMPATIBILITY_DATE = "2026-11-17";
/** Turns nodejs_compat off at a date where it is the default (`no_nodejs_compat` alone leaves v2 on). */
export const NO_NODEJS_COMPAT = ["no_nodejs_compat", "no_nodejs_compat_v2"];

const NODE_BUILTINS = new Set(builtinModules.filter((name) => !name.startsWith("_")));
const isNodeBuiltin = (specifier: string) => specifier.startsWith("node:") || NODE_BUILTINS.has(specifier.split("/")[0]!);
const BUILTIN_PATTERN = new RegExp(`^(?:node:.+|(?:${[...NODE_BUILTINS].join("|")})(?:/.*)?)$`);

export interface WorkerBundle {
  /** The directory holding the bundle (and the config written beside it). */
  dir: string;
  file: string;
  nodejsCompat: boolean;
  /** How long esbuild took, in ms. */
  buildMs: number;
  /** The resolved input files, relative to the working directory. */
  inputs: string[];
  remove(): void;
}

/**
 * Bundles `entry` as wrangler 4 does (its bundleWorker): ESM, es2024, conditions workerd/worker/browser, the
 * browser-module-main fields, process.env.NODE_ENV defined (`nodeEnv`: "production" as `wrangler deploy`,
 * "development" as `wrangler dev`, or undefined for a build that defines nothing). The tsconfig beside each
 * file is honoured, as wrangler does, so a `paths` entry that would pull the Node seam in is caught here too.
 * Node builtins: `node:*` stays external either way (wrangler warns and the Worker fails to load without
 * nodejs_compat; `nodeSpecifiersIn` finds them); with nodejs_compat bare builtins ("events") are external too
 * and a `require()` of one becomes an import, as wrangler's hybrid nodejs_compat plugin does.
 */
export async function bundleWorker(entry: string, { nodejsCompat, nodeEnv }: { nodejsCompat: boolean; nodeEnv?: string | undefined }): Promise<WorkerBundle> {
  const dir = mkdtempSync(join(tmpdir(), "siglume-workerd-"));
  const file = join(dir, "worker.js");
  const requireAsImport: esbuild.Plugin = {
    name: "node-builtins",
    setup(build) {
      build.onResolve({ filter: BUILTIN_PATTERN }, (args) => {
        if (!nodejsCompat) return args.path.startsWith("node:") ? { path: args.path, external: true } : undefined;
        return args.kind === "require-call" ? { path: args.path, namespace: "node-builtin-require" } : { path: args.path, external: true };
      });
      build.onLoad({ filter: /.*/, namespace: "node-builtin-require" }, ({ path }) => ({
        contents: `import builtin from ${JSON.stringify(path)};\nmodule.exports = builtin;`,
        loader: "js",
      }));
    },
  };
  const define: Record<string, string> = {};
  if (nodeEnv !== undefined) {
    for (const name of ["process.env.NODE_ENV", "global.process.env.NODE_ENV", "globalThis.process.env.NODE_ENV"]) define[name] = JSON.stringify(nodeEnv);
  }
  const started = performance.now();
  const building = esbuild.build({
    entryPoints: [entry],
    bundle: true,
    outfile: file,
    format: "esm",
    target: "es2024",
    platform: "neutral",
    mainFields: ["browser", "module", "main"],
    conditions: ["workerd", "worker", "browser"],
    define,
    external: ["cloudflare:*"],
    plugins: [requireAsImport],
    metafile: true,
    logLevel: "silent",
  });
  const result = await building.catch((error: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    dir,
    file,
    nodejsCompat,
    buildMs: Math.round(performance.now() - started),
    inputs: Object.keys(result.metafile?.inputs ?? {}),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A bundle another tool built (`wrangler deploy --dry-run`), to serve with startWorkerd. */
export function builtBundle(file: string, nodejsCompat: boolean): WorkerBundle {
  const dir = dirname(file);
  return { dir, file, nodejsCompat, buildMs: 0, inputs: [], remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Every Node builtin the bundle imports or requires (`import … from "node:crypto"`, `import("node:fs")`,
 * `require("events")`, esbuild's `__require("net")`), as written. Workers without nodejs_compat have none of them.
 */
export function nodeSpecifiersIn(code: string): string[] {
  const found = new Set<string>();
  const patterns = [
    /\b(?:import|export)\s*(?:[\w$*{},\s]+?\s*from\s*)?["']([^"']+)["']/g, // static import / export … from
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g, // dynamic import
    /require\s*\(\s*["']([^"']+)["']\s*\)/g, // require(), esbuild's __require()
  ];
  for (const pattern of patterns) {
    for (const match of code.matchAll(pattern)) if (isNodeBuiltin(match[1]!)) found.add(match[1]!);
  }
  return [...found].sort();
}

/** A workerd text binding (`env.NAME`, and process.env.NAME with nodejs_compat). */
export type Bindings = Record<string, string>;

/**
 * The Cap'n Proto config serving `bundle` on the socket "http", with loopback outbound allowed (the default
 * outbound refuses 127.0.0.1, where the tests' PostgreSQL listens).
 */
export function workerdConfig(bundle: WorkerBundle, { bindings = {}, flags }: { bindings?: Bindings; flags: string[] }): string {
  const text = (value: string) => JSON.stringify(value); // a Cap'n Proto text literal is a JSON string
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker), (name = "loopback", network = (allow = ["public", "private", "local"])) ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = ${text(basename(bundle.file))}, esModule = embed ${text(basename(bundle.file))}) ],
  compatibilityDate = ${text(COMPATIBILITY_DATE)},
  compatibilityFlags = [ ${flags.map(text).join(", ")} ],
  bindings = [ ${Object.entries(bindings).map(([name, value]) => `(name = ${text(name)}, text = ${text(value)})`).join(", ")} ],
  globalOutbound = "loopback",
);
`;
}

/** The workerd binary of the `workerd` package (the platform package's, not the JS shim that would outlive a kill). */
export const workerdBinary: string = (createRequire(import.meta.url)("workerd") as { default: string }).default;

/**
 * Serves `bundle` in workerd (flags: nodejs_compat on or really off) and resolves once it listens, from workerd's
 * own control message (`--control-fd`), not a delay.
 */
export function startWorkerd(name: string, bundle: WorkerBundle, { bindings, port }: { bindings?: Bindings; port?: number } = {}): Promise<RunningTarget> {
  const flags = bundle.nodejsCompat ? ["nodejs_compat"] : NO_NODEJS_COMPAT;
  const config = join(bundle.dir, "config.capnp");
  writeFileSync(config, workerdConfig(bundle, { bindings, flags }));
  return startTarget(name, workerdBinary, (port) => ["serve", config, "--socket-addr", `http=127.0.0.1:${port}`, "--control-fd=1"], {
    listening: /"event":"listen","socket":"http","port":(\d+)/,
    port,
  });
}

/** The bundle's code. */
export const bundleCode = (bundle: WorkerBundle): string => readFileSync(bundle.file, "utf8");
