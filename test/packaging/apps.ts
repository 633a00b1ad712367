// One fresh app per framework, made from the packed tarballs with npm (no workspace links): what it
// installs, its tsconfig, compiling it, and running it on a given Node.
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import semver from "semver";
import type { Exec, PackedPackage, PublishablePackage } from "../../scripts/lib/packages.mjs";
import { exec as execCommand, root } from "../../scripts/lib/packages.mjs";
import type { Snippet } from "./snippets.js";

export type NodeMajor = 20 | 22 | 24;

export interface Framework {
  /** The app's name (and folder). */
  name: string;
  /** Its server in test/packaging/servers/ (<server>.ts); two versions of one framework share one. */
  server: string;
  /** The peer dependency that makes a package this framework's adapter (installed only in its apps). */
  peer?: string;
  /**
   * Installed beside the tarballs: the framework and what its users add. A bare name gets the range
   * the workspace itself uses (test/package.json); "name@range" is for another major than the suite's.
   */
  installs: string[];
  /**
   * An older major of a framework another app already installs at the suite's version: it compiles
   * only the README blocks that import the framework; the others are compiled where the suite's
   * version is.
   */
  olderMajor?: true;
  /** tsconfig options this framework needs beyond the common ones. */
  compilerOptions: Record<string, unknown>;
  /** Further tsconfigs the app is type-checked with too (by every TypeScript version, without output). */
  variants?: TsconfigVariant[];
  /** The app runs (as ESM and as CommonJS) on these Node majors. */
  nodes: NodeMajor[];
  /** Where its server answers Siglume webhooks (the deliveries are posted to each); default /webhooks/siglume. */
  webhookPaths?: string[];
  /**
   * A web-standard app, as a Cloudflare Worker (or a Deno, Bun or Next.js edge route) has it: no Node types
   * (no COMMON_INSTALLS; its compilerOptions say lib and types), no NODE_ONLY package, and of the documentation
   * blocks only those marked `<!-- snippet: no-node-types -->`. Its server is a Worker-style module
   * (`export default { fetch }`) that fetch-server.mjs serves on Node.
   */
  web?: true;
}

/** A tsconfig.<name>.json extending the app's tsconfig.json with these options. */
export interface TsconfigVariant {
  name: string;
  compilerOptions: Record<string, unknown>;
}

const workspaceManifests = ["test/package.json", "package.json"].map(
  (file) => JSON.parse(readFileSync(join(root, file), "utf8")) as { devDependencies: Record<string, string> },
);

/** The package an install names: "@nestjs/core@^11.0.0" → "@nestjs/core". */
export const installedName = (install: string) => /^(@[^/@]+\/)?[^@]+/.exec(install)![0];

/**
 * name@range: a bare name gets the range the workspace itself uses, so the apps get what the suite is
 * tested with; "name@range" stays as it is.
 */
function spec(name: string): string {
  return installedName(name) === name ? `${name}@${range(name)}` : name;
}

/** The range of a devDependency of test/ or the root. */
function range(name: string): string {
  const found = workspaceManifests.map((m) => m.devDependencies[name]).find((r) => r !== undefined);
  if (!found) throw new Error(`${name} is installed in the packaging apps but is no devDependency of test/ or the root`);
  return found;
}

/**
 * The TypeScript versions every app is compiled with, each by its own tsc (typecheck.mjs) into its
 * own outDir: 7, what `npm i -D typescript` installs today, as `typescript`; and the last 5.x, the
 * workspace's own, under an alias.
 */
export interface TypeScriptVersion {
  name: string;
  /** Its folder in node_modules. */
  dir: string;
  install: string;
  outDir: string;
}
export const typescripts: TypeScriptVersion[] = [
  { name: "7", dir: "typescript", install: "typescript@^7.0.2", outDir: "dist" },
  { name: "5.9", dir: "typescript-5.9", install: `typescript-5.9@npm:${spec("typescript")}`, outDir: "dist-ts5.9" },
];

/** The NestJS major the suite runs (test/package.json); the apps install it and the one before. */
const SUITE_NEST = semver.minVersion(range("@nestjs/core"))!.major;

/**
 * A NestJS app ("nestjs-<major>") on the suite's major or on an older one. (NestJS 12 is ESM-only:
 * the CommonJS build of the app loads it through require(esm), Node 20.19+.)
 */
function nestjs(major: number): Framework {
  const suites = major === SUITE_NEST;
  return {
    name: `nestjs-${major}`,
    server: "nestjs",
    peer: "@nestjs/core",
    installs: [
      ...["@nestjs/common", "@nestjs/core", "@nestjs/platform-express"].map((name) => (suites ? name : `${name}@^${major}.0.0`)),
      "reflect-metadata",
      "rxjs",
    ],
    compilerOptions: { experimentalDecorators: true, emitDecoratorMetadata: true },
    nodes: [20],
    ...(suites ? {} : { olderMajor: true as const }),
  };
}

/**
 * In every app: Node's types, and @types/pg for the PostgreSQL store's README examples. And
 * @types/redis-errors: ioredis 6's own .d.ts import the untyped redis-errors, which is an error
 * (TS7016) under strict with skipLibCheck: false in any app that uses the Redis store.
 */
const COMMON_INSTALLS = ["@types/node", "@types/pg", "@types/redis-errors"];

/**
 * Packages for Node only, left out of the web app: the stores (pg's and ioredis's types are Node's), the
 * sandbox and the CLI (Node servers), and testing (node:crypto). Every other package (web, hono, the
 * providers and what they depend on) must compile without Node's types.
 */
const NODE_ONLY = [
  "@siglume-middleware/cli",
  "@siglume-middleware/sandbox",
  "@siglume-middleware/store-postgres",
  "@siglume-middleware/store-redis",
  "@siglume-middleware/testing",
];

const installsOf = (framework: Framework) => [...(framework.web ? [] : COMMON_INSTALLS), ...framework.installs];

export const frameworks: Framework[] = [
  {
    name: "express",
    server: "express",
    peer: "express",
    // supertest and vitest: docs/testing.md's examples ("Testing your handlers"); @hono/node-server: docs/hono.md's
    // Node server; OpenTelemetry's SDK and pino: docs/observability.md.
    installs: [
      "express",
      "@types/express",
      "supertest",
      "@types/supertest",
      "vitest",
      "@opentelemetry/api",
      "@opentelemetry/context-async-hooks",
      "@opentelemetry/sdk-metrics",
      "@opentelemetry/sdk-trace-base",
      "pino",
      "@hono/node-server",
    ],
    compilerOptions: {},
    nodes: [20, 22, 24],
  },
  { name: "fastify", server: "fastify", peer: "fastify", installs: ["fastify"], compilerOptions: {}, nodes: [20] },
  { name: "koa", server: "koa", peer: "koa", installs: ["koa", "@types/koa"], compilerOptions: {}, nodes: [20] },
  nestjs(SUITE_NEST),
  nestjs(SUITE_NEST - 1),
  {
    name: "web",
    server: "web",
    installs: ["hono"],
    compilerOptions: { lib: ["ES2022", "DOM"], types: [] },
    // What Workers (wrangler's template) and Next.js apps use.
    variants: [{ name: "bundler", compilerOptions: { module: "esnext", moduleResolution: "bundler" } }],
    nodes: [20],
    // The fetch handler, and Hono's middleware in the same server.
    webhookPaths: ["/webhooks/siglume", "/hono/webhooks/siglume"],
    web: true,
  },
];

/** What users are told to use (README "TypeScript"); the packaging apps compile with exactly this. */
export const COMPILER_OPTIONS = {
  strict: true,
  module: "nodenext",
  target: "es2022",
  exactOptionalPropertyTypes: true,
  // TypeScript 7 includes no @types package by itself (its default is "types": []).
  types: ["node"],
  // Our .d.ts files are checked too, not skipped.
  skipLibCheck: false,
  moduleDetection: "force",
  rootDir: "src",
  outDir: "dist",
};

export interface AppPlan {
  framework: Framework;
  /** Publishable packages installed here: every package that is no other framework's adapter (the web app: nor NODE_ONLY). */
  packages: PublishablePackage[];
  /** Packages an app file or snippet may import here. */
  importable: Set<string>;
  snippets: Snippet[];
}

const dependencyNames = (manifest: Record<string, unknown>) =>
  ["dependencies", "peerDependencies"].flatMap((field) => Object.keys((manifest[field] as object | undefined) ?? {}));

export function planApps(publishable: PublishablePackage[], snippets: Snippet[]): AppPlan[] {
  const adapterOf = (pkg: PublishablePackage) => {
    const peers = Object.keys((pkg.manifest.peerDependencies as object | undefined) ?? {});
    return frameworks.find((framework) => framework.peer !== undefined && peers.includes(framework.peer))?.peer;
  };
  const unknown = NODE_ONLY.filter((name) => !publishable.some((pkg) => pkg.name === name));
  if (unknown.length) throw new Error(`NODE_ONLY (test/packaging/apps.ts) names no publishable package: ${unknown.join(", ")}`);
  return frameworks.map((framework) => {
    const packages = publishable.filter(
      (pkg) => [undefined, framework.peer].includes(adapterOf(pkg)) && !(framework.web && NODE_ONLY.includes(pkg.name)),
    );
    const importable = new Set([
      ...packages.flatMap((pkg) => [pkg.name, ...dependencyNames(pkg.manifest)]),
      ...installsOf(framework).map(installedName),
      "typescript",
    ]);
    // What only this framework's apps install: its own packages and our adapter for it.
    const own = new Set([
      ...framework.installs.map(installedName),
      ...packages.filter((pkg) => adapterOf(pkg) === framework.peer).map((pkg) => pkg.name),
    ]);
    const compiles = (snippet: Snippet) =>
      snippet.packages.every((name) => importable.has(name)) &&
      (!framework.olderMajor || snippet.packages.some((name) => own.has(name))) &&
      (!framework.web || snippet.noNodeTypes);
    return { framework, packages, importable, snippets: snippets.filter(compiles) };
  });
}

/** Runs a command to its end (never rejects: the caller reports the output), by default in cleanEnv(). */
export function exec(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Exec> {
  return execCommand(command, args, { cwd: options.cwd, env: options.env ?? cleanEnv() });
}

/**
 * The environment without what `npm test` and pnpm export to their children (npm_config_local_prefix,
 * npm_package_*, …), so npm in a fresh app behaves as it does for a user. Registry and cache
 * settings stay.
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const keep = /^npm_config_(registry|cache|userconfig|_auth|.*:registry)$/i;
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(npm_|pnpm_|PNPM_)/i.test(key) || keep.test(key)),
  );
  return { ...env, NO_COLOR: "1", ...extra };
}

/** The app's files: package.json, tsconfig.json, the server as server.mts and server.cts, and its snippets. */
export function writeApp(dir: string, plan: AppPlan): void {
  mkdirSync(join(dir, "src/snippets"), { recursive: true });
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify({ name: `siglume-packaging-${plan.framework.name}`, private: true, type: "module" }, null, 2)}\n`,
  );
  const compilerOptions = { ...COMPILER_OPTIONS, ...plan.framework.compilerOptions };
  writeFileSync(join(dir, "tsconfig.json"), `${JSON.stringify({ compilerOptions, include: ["src"] }, null, 2)}\n`);
  for (const variant of plan.framework.variants ?? []) {
    const tsconfig = { extends: "./tsconfig.json", compilerOptions: { ...variant.compilerOptions, noEmit: true } };
    writeFileSync(join(dir, `tsconfig.${variant.name}.json`), `${JSON.stringify(tsconfig, null, 2)}\n`);
  }
  const server = join(root, "test/packaging/servers", `${plan.framework.server}.ts`);
  copyFileSync(server, join(dir, "src/server.mts"));
  copyFileSync(server, join(dir, "src/server.cts"));
  for (const snippet of plan.snippets) {
    const snippetDir = join(dir, "src/snippets", snippet.slug);
    mkdirSync(snippetDir, { recursive: true });
    // The prelude goes after the block, so the file's line n is the README's line fenceLine + n.
    const text = `${snippet.code}\n${snippet.prelude ? `// prelude\n${snippet.prelude}\n` : ""}`;
    writeFileSync(join(snippetDir, "snippet.mts"), text);
    writeFileSync(join(snippetDir, "snippet.cts"), text);
    for (const file of snippet.preludeFiles) {
      // A name may reach up ("../../shared/x.ts"): the file an example imports from outside its folder. Those
      // import each other without an extension (for Turbopack; TypeScript reads examples/shared as CommonJS),
      // which this ESM app's nodenext resolution needs: ".js" is added to their relative imports.
      const target = join(snippetDir, file.name);
      mkdirSync(dirname(target), { recursive: true });
      const text = readFileSync(join(root, file.from), "utf8");
      writeFileSync(target, file.from.startsWith("examples/shared/") ? text.replace(/(from "\.{1,2}\/[^".]+)"/g, '$1.js"') : text);
    }
  }
}

/** npm install of the app's tarballs and installs, as one command, into a fresh directory. */
export function npmInstall(dir: string, plan: AppPlan, packed: PackedPackage[]): Promise<Exec> {
  const tarballs = plan.packages.map((pkg) => {
    const found = packed.find((p) => p.name === pkg.name);
    if (!found) throw new Error(`${pkg.name} was not packed`);
    return found.tarball;
  });
  const installs = installsOf(plan.framework).map(spec);
  installs.push(...typescripts.map((ts) => ts.install));
  const flags = ["--prefix", dir, "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=warn"];
  return exec("npm", ["install", ...flags, ...tarballs, ...installs], { cwd: dir });
}

export interface Diagnostic {
  /** Relative to the app, e.g. "src/server.cts"; "" for errors without a file (tsconfig, options). */
  file: string;
  line: number;
  text: string;
}

/**
 * The whole app (server and snippets) compiled as one program by one TypeScript version, emitted to
 * its outDir even with errors (with a variant's tsconfig: checked only); every file's syntactic and
 * semantic diagnostics (typecheck.mjs).
 */
export async function typecheck(
  dir: string,
  ts: TypeScriptVersion,
  variant?: TsconfigVariant,
): Promise<{ run: Exec; diagnostics: Diagnostic[] }> {
  const tsc = join("node_modules", ts.dir, "bin/tsc");
  const tsconfig = variant ? `tsconfig.${variant.name}.json` : "tsconfig.json";
  const typecheckScript = join(root, "test/packaging/typecheck.mjs");
  const run = await exec(process.execPath, [typecheckScript, tsc, tsconfig, "--outDir", ts.outDir], { cwd: dir });
  const diagnostics: Diagnostic[] = [];
  for (const line of run.output.split("\n")) {
    if (line.startsWith("{")) diagnostics.push(JSON.parse(line) as Diagnostic);
    else if (line.trim()) diagnostics.push({ file: "", line: 0, text: line }); // a crash: reported, not dropped
  }
  if (run.code !== 0 && diagnostics.length === 0) diagnostics.push({ file: "", line: 0, text: `exit ${run.code}` });
  return { run, diagnostics };
}

const nodeBinaries = new Map<NodeMajor, Promise<string>>();

/** This Node when it is that major; otherwise the binary the npm package node@<major> ships, via npx. */
export function nodeBinary(major: NodeMajor, cwd: string): Promise<string> {
  if (Number(process.versions.node.split(".")[0]) === major) return Promise.resolve(process.execPath);
  let binary = nodeBinaries.get(major);
  if (!binary) {
    binary = exec("npx", ["--yes", "--prefer-offline", `node@${major}`, "-p", "process.execPath"], { cwd }).then((run) => {
      const path = run.output.trim().split("\n").at(-1) ?? "";
      if (run.code !== 0 || !path.startsWith("/")) throw new Error(`npx node@${major} failed (exit ${run.code}):\n${run.output}`);
      return path;
    });
    nodeBinaries.set(major, binary);
  }
  return binary;
}

export interface RunningServer {
  url: string;
  /** Everything the app printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** How the app's compiled server starts: itself, or (a web app's fetch module) served by fetch-server.mjs. */
export const serverArgs = (framework: Framework, file: string): string[] =>
  framework.web ? [join(root, "test/packaging/fetch-server.mjs"), file] : [file];

/**
 * Starts `file` (relative to the app; or a script and its arguments) on the given Node. With PORT=0 it
 * resolves once the app prints "listening <port>"; given a port, once that port answers HTTP (for README
 * examples, which print nothing).
 */
export async function startServer(
  dir: string,
  node: string,
  file: string | string[],
  env: NodeJS.ProcessEnv,
  port?: number,
): Promise<RunningServer> {
  const args = [file].flat();
  const child = spawn(node, args, { cwd: dir, env: cleanEnv({ ...env, PORT: String(port ?? 0) }), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  const answers = (url: string) =>
    fetch(url).then(
      () => true,
      () => false,
    );
  const deadline = Date.now() + 30_000;
  for (;;) {
    const listening = port ?? /^listening (\d+)$/m.exec(output)?.[1];
    const url = listening === undefined ? undefined : `http://127.0.0.1:${listening}`;
    if (url && (port === undefined || (await answers(url)))) return { url, output: () => output, stop };
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`\`${node} ${args.join(" ")}\` did not start (exit ${child.exitCode}):\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
