// What a user gets from the registry, proven before a release:
// - every publishable package (packages/* not "private", found, not listed) is packed with pnpm, as
//   `pnpm publish` packs it, and checked: contents, metadata, publint, attw;
// - the tarballs are installed with npm (no workspace links) into one fresh app per framework (and
//   one more for NestJS 11 beside NestJS 12), which is compiled by TypeScript 7 and by TypeScript 5.9
//   under strict + module nodenext + exactOptionalPropertyTypes and run as ESM and as CommonJS
//   (Express on Node 20, 22 and 24; what 5.9 built on Node 20): a signed delivery gets 204 and runs
//   the handler, a badly signed one gets 401;
// - one more app, "web", is what a Cloudflare Worker (or a Deno, Bun or Next.js edge user) installs: web,
//   hono and the providers, no @types/node, lib ES2022 + DOM only, also checked as a bundler app (module
//   esnext, moduleResolution bundler); its Worker-style server uses every fetch handler and Hono middleware
//   with every provider, and is served on Node (fetch-server.mjs) for the same two deliveries;
// - every ```ts block of README.md, the docs/ pages and the package READMEs is compiled by both in
//   each app that has what it imports (markers and preludes: snippets.ts), and the PostgreSQL
//   examples run against a real PostgreSQL with the tables their page gives (docs/checkout.md's with
//   the sandbox);
// - every peer range (and dependency range) admits the registry's latest version of that package;
// - the release configuration versions exactly these packages, in lockstep, and the release dry run
//   shows their packed dependency ranges.
// Installs and compiles run in the background from the start; each test waits for the step it checks.
// About 3–4 minutes on 2 cores with a warm npm cache. SIGLUME_PACKAGING_KEEP=1 keeps the apps.
import { spawn } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { read as readChangesetConfig } from "@changesets/config";
import { getPackages } from "@manypkg/get-packages";
import { publint } from "publint";
import semver from "semver";
import { formatMessage } from "publint/utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSiglumeSandbox } from "@siglume-middleware/sandbox";
import { signedRequest, siglumeEvents } from "@siglume-middleware/testing";
import {
  type Exec,
  packPackages,
  publishablePackages,
  readTarball,
  root,
  type PackedPackage,
} from "../../scripts/lib/packages.mjs";
import {
  COMPILER_OPTIONS,
  type AppPlan,
  type Diagnostic,
  exec,
  serverArgs,
  nodeBinary,
  npmInstall,
  planApps,
  type RunningServer,
  startServer,
  typecheck,
  typescripts,
  type TsconfigVariant,
  type TypeScriptVersion,
  writeApp,
} from "./apps.js";
import { freePort, startPostgres, testPool } from "../support/servers.js";
import { codeBlocks, readmeSnippets, type Snippet } from "./snippets.js";

const REPOSITORY = "https://github.com/siglume-middleware/siglume-middleware";
const SECRET = "whsec_packaging";
const MINUTES = 60_000;

const publishable = publishablePackages();
const { snippets } = readmeSnippets();
const plans = planApps(publishable, snippets);
const work = mkdtempSync(join(tmpdir(), "siglume-packaging-"));
const appDir = (plan: AppPlan) => join(work, plan.framework.name);

type Compile = Promise<{ run: Exec; diagnostics: Diagnostic[] }>;
interface AppBuild {
  install: Promise<Exec>;
  /** By each TypeScript version, into its own outDir. */
  compiles: Map<TypeScriptVersion, Compile>;
  /** The framework's further tsconfigs, by each TypeScript version (checked, not emitted). */
  variantChecks: { ts: TypeScriptVersion; variant: TsconfigVariant; compile: Compile }[];
}
let packing: Promise<PackedPackage[]>;
const builds = new Map<AppPlan, AppBuild>();
let releaseDryRun: Promise<Exec>;

/** A package's latest version on the registry (its `latest` tag) and the Node versions it declares. */
interface Latest {
  version: string;
  node: string | undefined;
}
const latestOnRegistry = new Map<string, Promise<Latest>>();

/** The ranges checked against the registry: every peer and dependency range of a publishable package but our own. */
const externalRanges = publishable.flatMap((pkg) =>
  (["peerDependencies", "dependencies"] as const).flatMap((field) =>
    Object.entries((pkg.manifest[field] as Record<string, string> | undefined) ?? {})
      .filter(([name]) => !publishable.some((other) => other.name === name))
      .map(([name, range]) => ({ pkg, field, name, range })),
  ),
);

async function viewLatest(name: string): Promise<Latest> {
  const run = await exec("npm", ["view", `${name}@latest`, "version", "engines", "--json", "--prefer-online"], { cwd: work });
  if (run.code !== 0) throw new Error(`npm view ${name}@latest failed (exit ${run.code}):\n${run.output}`);
  // Only the version when the package declares no engines; else { version, engines }.
  const found = JSON.parse(run.output) as string | { version: string; engines?: { node?: string } };
  return typeof found === "string" ? { version: found, node: undefined } : { version: found.version, node: found.engines?.node };
}

/** Settles later; the tests that await it report the failure, so nothing is left unhandled meanwhile. */
function background<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

beforeAll(() => {
  const tarballs = join(work, "tarballs");
  mkdirSync(tarballs);
  packing = background(packPackages(tarballs));
  for (const plan of plans) {
    writeApp(appDir(plan), plan);
    const install = background(packing.then((packed) => npmInstall(appDir(plan), plan, packed)));
    const check = (ts: TypeScriptVersion, variant?: TsconfigVariant) =>
      background(
        install.then((run) => {
          if (run.code !== 0) throw new Error(`npm install failed in the ${plan.framework.name} app; see that test`);
          return typecheck(appDir(plan), ts, variant);
        }),
      );
    const compiles = new Map(typescripts.map((ts) => [ts, check(ts)]));
    const variantChecks = (plan.framework.variants ?? []).flatMap((variant) =>
      typescripts.map((ts) => ({ ts, variant, compile: check(ts, variant) })),
    );
    builds.set(plan, { install, compiles, variantChecks });
  }
  for (const major of [...new Set(plans.flatMap((plan) => plan.framework.nodes))]) background(nodeBinary(major, work));
  releaseDryRun = background(exec(process.execPath, ["scripts/release.mjs", "--dry-run"], { cwd: root }));
  for (const { name } of externalRanges) if (!latestOnRegistry.has(name)) latestOnRegistry.set(name, background(viewLatest(name)));
});

afterAll(() => {
  if (process.env.SIGLUME_PACKAGING_KEEP === "1") return void console.log(`packaging apps kept in ${work}`);
  // ~250 MB of node_modules take 20 s and more to delete on a busy disk: a detached process does it.
  const script = `require("node:fs").rmSync(${JSON.stringify(work)}, { recursive: true, force: true })`;
  spawn(process.execPath, ["-e", script], { detached: true, stdio: "ignore" }).unref();
});

const packedOf = async (name: string) => (await packing).find((pkg) => pkg.name === name)!;

const ALLOWED_FILES = /^(dist\/.+|bin\/.+|package\.json|README\.md|LICENSE|CHANGELOG\.md)$/;

function tarballProblems(pkg: PackedPackage): string[] {
  const problems: string[] = [];
  const m = pkg.packedManifest as Record<string, any>;
  for (const file of ["package.json", "README.md", "LICENSE"]) {
    if (!pkg.files.includes(file)) problems.push(`${file} is not in the tarball`);
  }
  const extra = pkg.files.filter((file) => !ALLOWED_FILES.test(file));
  if (extra.length) problems.push(`files users do not need (limit "files"): ${extra.join(", ")}`);
  if (m.license !== "MIT") problems.push(`license is ${JSON.stringify(m.license)}, not "MIT"`);
  const repository = { type: "git", url: `git+${REPOSITORY}.git`, directory: pkg.dir };
  if (JSON.stringify(m.repository) !== JSON.stringify(repository)) {
    problems.push(`repository is ${JSON.stringify(m.repository)}, expected ${JSON.stringify(repository)}`);
  }
  if (typeof m.homepage !== "string" || !m.homepage.startsWith(REPOSITORY)) problems.push(`homepage is ${JSON.stringify(m.homepage)}`);
  if (m.bugs?.url !== `${REPOSITORY}/issues`) problems.push(`bugs is ${JSON.stringify(m.bugs)}`);
  if (!Array.isArray(m.keywords) || !m.keywords.includes("siglume")) problems.push(`keywords ${JSON.stringify(m.keywords)} lack "siglume"`);
  if (!m.engines?.node) problems.push("engines.node is missing");
  if (m.scripts !== undefined) problems.push(`scripts ship (install scripts would run for users): ${JSON.stringify(m.scripts)}`);
  if (m.devDependencies !== undefined) problems.push("devDependencies ship");
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
    for (const [name, range] of Object.entries((m[field] as Record<string, string>) ?? {})) {
      if (/^(workspace|link|file|portal):/.test(range)) problems.push(`${field}.${name} is ${range}`);
      const internal = publishable.some((other) => other.name === name);
      if (internal && range !== `^${pkg.version}`) problems.push(`${field}.${name} is ${range}, expected ^${pkg.version}`);
    }
  }
  return problems;
}

function readmeProblems(pkg: PackedPackage, readme: string): string[] {
  const problems: string[] = [];
  if (!readme.includes(`${REPOSITORY}#readme`)) problems.push(`README.md does not link the main README (${REPOSITORY}#readme)`);
  const installLines = readme.split("\n").filter((line) => /\bnpm install\b/.test(line));
  const optional = (pkg.packedManifest.peerDependenciesMeta as Record<string, { optional?: boolean }>) ?? {};
  const peers = Object.keys((pkg.packedManifest.peerDependencies as object) ?? {}).filter((name) => !optional[name]?.optional);
  const named = (name: string) => installLines.some((line) => line.split(/\s+/).includes(name));
  for (const name of [pkg.name, ...peers]) {
    if (!named(name)) problems.push(`README.md has no \`npm install\` line naming ${name}`);
  }
  if (pkg.packedManifest.exports !== undefined && !/```ts\n/.test(readme)) problems.push("README.md has no ```ts example");
  return problems;
}

for (const pkg of publishable) {
  describe(`${pkg.name} tarball (pnpm pack)`, () => {
    it("holds README, LICENSE and dist only, with complete metadata, no scripts, devDependencies or workspace: ranges", async () => {
      const packed = await packedOf(pkg.name);
      const shipped = await readTarball(packed.tarball);
      const readme = shipped.get("README.md")?.toString("utf8") ?? "";
      const problems = [...tarballProblems(packed), ...readmeProblems(packed, readme)];
      expect(problems, `${pkg.name} (${pkg.dir}, ${packed.tarball})`).toEqual([]);
      const license = readFileSync(join(root, "LICENSE"), "utf8");
      expect(shipped.get("LICENSE")?.toString("utf8"), "the tarball's LICENSE is the repository's").toBe(license);
    }, 3 * MINUTES);

    it("publint finds nothing, suggestions included", async () => {
      const packed = await packedOf(pkg.name);
      const bytes = readFileSync(packed.tarball);
      const tarball = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      const { messages, pkg: manifest } = await publint({ pack: { tarball }, level: "suggestion" });
      const found = messages.map((message) => `${message.type}: ${formatMessage(message, manifest, { color: false })}`);
      expect(found, `publint on ${packed.tarball}`).toEqual([]);
    }, 3 * MINUTES);

    it("@arethetypeswrong/cli finds no problem with its types", async () => {
      const packed = await packedOf(pkg.name);
      const run = await exec(join(root, "test/node_modules/.bin/attw"), [packed.tarball, "--format", "ascii", "--no-color"], {
        cwd: work,
      });
      expect(run.code, `attw ${packed.tarball}:\n${run.output}`).toBe(0);
    }, 3 * MINUTES);
  });
}

/** Polls until the condition holds or two seconds pass (the app's stdout arrives after its answer). */
async function eventually(condition: () => boolean): Promise<boolean> {
  for (let waited = 0; !condition() && waited < 2000; waited += 25) await new Promise((r) => setTimeout(r, 25));
  return condition();
}

/** One correctly signed delivery (204, the handler ran) and one signed with the wrong secret (401, it did not). */
async function deliverTwice(server: RunningServer, context: string, path: string): Promise<void> {
  const url = `${server.url}${path}`;
  const good = siglumeEvents.standardSettled();
  const delivery = signedRequest(good, { secret: SECRET });
  const res = await fetch(url, { method: "POST", headers: delivery.headers, body: delivery.body });
  const body = await res.text();
  expect(res.status, `${context}: signed delivery answered ${body}\napp output:\n${server.output()}`).toBe(204);
  const ran = await eventually(() => server.output().includes(`paid ${good.data.challenge_hash}`));
  expect(ran, `${context}: the handler did not run for the signed delivery\napp output:\n${server.output()}`).toBe(true);

  const forged = siglumeEvents.standardSettled();
  const bad = signedRequest(forged, { secret: "whsec_not_the_secret" });
  const refused = await fetch(url, { method: "POST", headers: bad.headers, body: bad.body });
  const refusal = await refused.text();
  expect(refused.status, `${context}: badly signed delivery answered ${refusal}\napp output:\n${server.output()}`).toBe(401);
  expect(JSON.parse(refusal).error.code).toBe("SIGNATURE_MISMATCH");
  expect(server.output(), `${context}: the handler ran for a badly signed delivery`).not.toContain(forged.data.challenge_hash);
}

const describeDiagnostics = (diagnostics: Diagnostic[]) =>
  diagnostics.map((d) => (d.file ? `${d.file}:${d.line} ${d.text}` : d.text)).join("\n");

const FORMATS = [
  { name: "ESM", file: "server.mjs" },
  { name: "CommonJS", file: "server.cjs" },
];

/** What `npm i -D typescript` installs: its build is the one run on every Node and by the CLI and README tests. */
const [CURRENT_TS] = typescripts as [TypeScriptVersion, ...TypeScriptVersion[]];
const compiled = (plan: AppPlan, ts = CURRENT_TS) => builds.get(plan)!.compiles.get(ts)!;

for (const plan of plans) {
  const { name } = plan.framework;
  describe(`${name} app from the tarballs (npm)`, () => {
    it(`npm installs ${plan.packages.map((pkg) => pkg.name.replace("@siglume-middleware/", "")).join(", ")} as real copies`, async () => {
      const install = await builds.get(plan)!.install;
      expect(install.code, `npm install in the ${name} app (${appDir(plan)}) failed:\n${install.output}`).toBe(0);
      for (const pkg of plan.packages) {
        const dir = join(appDir(plan), "node_modules", pkg.name);
        expect(existsSync(join(dir, "package.json")), `${pkg.name} is not in ${dir}:\n${install.output}`).toBe(true);
        expect(lstatSync(dir).isSymbolicLink(), `${pkg.name} is a link, not an installed copy`).toBe(false);
        expect(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).version).toBe(pkg.version);
      }
    }, 8 * MINUTES);

    const describeOptions = (options: Record<string, unknown>) =>
      Object.entries(options)
        .filter(([key]) => !["rootDir", "outDir", "moduleDetection", "target", "noEmit"].includes(key))
        .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
        .join(", ");
    const options = describeOptions({ ...COMPILER_OPTIONS, ...plan.framework.compilerOptions });
    const checks = [
      ...typescripts.map((ts) => ({ ts, title: options, compile: () => compiled(plan, ts) })),
      ...(plan.framework.variants ?? []).flatMap((variant) =>
        typescripts.map((ts) => ({
          ts,
          title: `tsconfig.${variant.name}.json: ${describeOptions(variant.compilerOptions)}`,
          compile: () => builds.get(plan)!.variantChecks.find((c) => c.ts === ts && c.variant === variant)!.compile,
        })),
      ),
    ];
    for (const { ts, title, compile } of checks) {
      it(`type-checks with TypeScript ${ts.name} (${title})`, async () => {
        const { run, diagnostics } = await compile();
        const own = diagnostics.filter((d) => !d.file.startsWith("src/snippets/"));
        expect(own, `TypeScript ${ts.name} in the ${name} app (${title}; exit ${run.code}):\n${describeDiagnostics(own)}`).toEqual([]);
      }, 8 * MINUTES);
    }

    // What TypeScript 7 built on every Node major of the app; what the others built on Node 20.
    const runs = typescripts.flatMap((ts) => (ts === CURRENT_TS ? plan.framework.nodes : [20 as const]).map((major) => ({ ts, major })));
    for (const { ts, major } of runs) {
      for (const format of FORMATS) {
        it(`runs as ${format.name} on Node ${major} (built by TypeScript ${ts.name}): a signed delivery gets 204 and runs the handler, a bad one 401`, async () => {
          await compiled(plan, ts);
          const node = await nodeBinary(major, work);
          const file = serverArgs(plan.framework, `${ts.outDir}/${format.file}`);
          const server = await startServer(appDir(plan), node, file, { SIGLUME_WEBHOOK_SECRET: SECRET });
          try {
            for (const path of plan.framework.webhookPaths ?? ["/webhooks/siglume"]) {
              await deliverTwice(server, `${name} app ${path}, ${format.name}, Node ${major} (${node}), TypeScript ${ts.name}`, path);
            }
          } finally {
            await server.stop();
          }
        }, 3 * MINUTES);
      }
    }

    it("require() and import() expose the same API of every installed library package", async () => {
      await builds.get(plan)!.install;
      const libraries = [];
      for (const pkg of plan.packages) if ((await packedOf(pkg.name)).packedManifest.exports) libraries.push(pkg.name);
      const script = [
        'import { createRequire } from "node:module";',
        'const require = createRequire(process.cwd() + "/");',
        "const found = {};",
        "for (const name of JSON.parse(process.argv[1])) {",
        "  found[name] = { require: Object.keys(require(name)).sort(), import: Object.keys(await import(name)).sort() };",
        "}",
        "console.log(JSON.stringify(found));",
      ].join("\n");
      const run = await exec(process.execPath, ["--input-type=module", "-e", script, JSON.stringify(libraries)], { cwd: appDir(plan) });
      expect(run.code, `loading the packages in the ${name} app:\n${run.output}`).toBe(0);
      const found = JSON.parse(run.output) as Record<string, { require: string[]; import: string[] }>;
      for (const library of libraries) {
        const { require: viaRequire, import: viaImport } = found[library]!;
        expect(viaRequire.length, `${library} exports nothing`).toBeGreaterThan(0);
        expect(viaImport.filter((key) => key !== "default"), `${library}: import() vs require()`).toEqual(
          viaRequire.filter((key) => key !== "default"),
        );
      }
    }, 8 * MINUTES);

    const cli = plan.packages.find((pkg) => pkg.manifest.bin);
    if (cli && name === "express") {
      it("the CLI from its tarball: `siglume-webhooks --version` and `send` to the running app", async () => {
        await compiled(plan);
        const bins = Object.keys(cli.manifest.bin as Record<string, string>);
        const bin = join(appDir(plan), "node_modules/.bin", bins[0]!);
        const version = await exec(bin, ["--version"], { cwd: appDir(plan) });
        expect(version.output.trim(), `${bin} --version (exit ${version.code})`).toBe(cli.version);

        const server = await startServer(appDir(plan), process.execPath, `${CURRENT_TS.outDir}/server.mjs`, {
          SIGLUME_WEBHOOK_SECRET: SECRET,
        });
        try {
          const url = `${server.url}/webhooks/siglume`;
          const send = await exec(bin, ["send", "standard-settled", "--url", url, "--secret", SECRET], { cwd: appDir(plan) });
          expect(send.code, `${bins[0]} send:\n${send.output}\napp output:\n${server.output()}`).toBe(0);
          expect(send.output).toMatch(/\b204\b/);
          expect(await eventually(() => /^paid /m.test(server.output())), server.output()).toBe(true);
        } finally {
          await server.stop();
        }
      }, 3 * MINUTES);
    }
  });
}

/** A diagnostic of a snippet's file, located in the markdown file. */
function locate(snippet: Snippet, diagnostic: Diagnostic, dir: string): string {
  const format = diagnostic.file.endsWith(".cts") ? "CommonJS" : "ESM";
  const file = diagnostic.file.slice(dir.length);
  const codeLines = snippet.code.split("\n").length;
  const where = !file.startsWith("snippet.")
    ? `${snippet.preludeFiles.find((f) => f.name === file)?.from ?? file}:${diagnostic.line} (prelude-file)`
    : diagnostic.line <= codeLines
      ? `${snippet.markdown}:${snippet.fenceLine + diagnostic.line}`
      : `the prelude of ${snippet.id}`;
  return `${where} (${format}): ${diagnostic.text}`;
}

describe("README TypeScript blocks, compiled in the apps that install what they import", () => {
  it("are found in README.md and every library package's README", () => {
    const withBlocks = new Set(snippets.map((snippet) => snippet.markdown));
    expect(withBlocks).toContain("README.md");
    for (const pkg of publishable) if (pkg.manifest.exports) expect(withBlocks).toContain(`${pkg.dir}/README.md`);
  });

  for (const snippet of snippets) {
    const hosts = plans.filter((plan) => plan.snippets.includes(snippet));
    const versions = typescripts.map((ts) => ts.name).join(" and ");
    it(`${snippet.id} (${hosts.map((plan) => plan.framework.name).join(", ") || "no app"}; ESM and CommonJS; TypeScript ${versions})`, async () => {
      const missing = snippet.packages.filter((name) => !plans.some((plan) => plan.importable.has(name)));
      expect(
        hosts.length,
        `${snippet.id} imports ${missing.join(", ") || "packages no single app has together"}: add them to an app in test/packaging/apps.ts`,
      ).toBeGreaterThan(0);
      if (snippet.noNodeTypes) {
        const web = plans.find((plan) => plan.framework.web)!;
        const missingHere = snippet.packages.filter((name) => !web.importable.has(name));
        expect(hosts, `${snippet.id} is marked no-node-types, but the ${web.framework.name} app lacks ${missingHere.join(", ")}`).toContain(web);
      }
      const errors: string[] = [];
      for (const plan of hosts) {
        const build = builds.get(plan)!;
        const compiles = [
          ...typescripts.map((ts) => ({ where: `TypeScript ${ts.name}`, compile: compiled(plan, ts) })),
          ...build.variantChecks.map(({ ts, variant, compile }) => ({ where: `TypeScript ${ts.name}, tsconfig.${variant.name}.json`, compile })),
        ];
        for (const { where, compile } of compiles) {
          const { diagnostics } = await compile;
          const dir = `src/snippets/${snippet.slug}/`;
          for (const d of diagnostics.filter((d) => d.file.startsWith(dir))) {
            errors.push(`[${plan.framework.name} app, ${where}] ${locate(snippet, d, dir)}`);
          }
        }
      }
      expect(errors, `${snippet.id} does not compile as pasted:\n${errors.join("\n")}`).toEqual([]);
    }, 8 * MINUTES);
  }
});

describe("Documented examples that run", () => {
  // The idempotency store's example (docs/stores.md), not the checkout order store's.
  const page = "docs/stores.md";
  const example = snippets.find(
    (s) => s.markdown === page && s.code.includes("postgresIdempotencyStore(") && !s.code.includes("postgresOrderStore"),
  );
  it(`${page}'s PostgreSQL example (${example?.id}) marks an order paid and records a review in a real PostgreSQL`, async () => {
    expect(example, `${page} has no example importing @siglume-middleware/store-postgres`).toBeDefined();
    const tables = codeBlocks(page, "sql").find((block) => block.fenceLine > example!.fenceLine);
    expect(tables, `no \`\`\`sql block after ${example!.id} creating the tables it writes`).toBeDefined();
    const plan = plans.find((p) => p.snippets.includes(example!))!;
    await compiled(plan);

    const postgres = await startPostgres();
    const db = testPool(postgres.url);
    try {
      await db.query(tables!.code);
      const payment = siglumeEvents.standardSettled();
      await db.query("INSERT INTO orders (challenge_hash) VALUES ($1)", [payment.data.challenge_hash]);
      const file = `${CURRENT_TS.outDir}/snippets/${example!.slug}/snippet.mjs`;
      const env = { SIGLUME_WEBHOOK_SECRET: SECRET, DATABASE_URL: postgres.url };
      const server = await startServer(appDir(plan), process.execPath, file, env, await freePort());
      try {
        const post = async (event: Parameters<typeof signedRequest>[0]) => {
          const delivery = signedRequest(event, { secret: SECRET });
          const res = await fetch(`${server.url}/webhooks/siglume`, { method: "POST", headers: delivery.headers, body: delivery.body });
          return `${res.status} ${await res.text()}`.trim();
        };
        expect(await post(payment), `the signed payment; app output:\n${server.output()}`).toBe("204");
        const order = await db.query("SELECT status FROM orders WHERE challenge_hash = $1", [payment.data.challenge_hash]);
        expect(order.rows).toEqual([{ status: "paid" }]);

        const metered = siglumeEvents.meteredUsageAccepted(); // no metered opt-in: goes to review
        expect(await post(metered), `the metered event; app output:\n${server.output()}`).toBe("204");
        const review = await db.query("SELECT reason, event->>'id' AS id FROM payment_reviews WHERE event_id = $1", [metered.id]);
        expect(review.rows).toEqual([{ reason: "metered_integration_required", id: metered.id }]);
      } finally {
        await server.stop();
      }
    } finally {
      await db.end();
      await postgres.destroy();
    }
  }, 8 * MINUTES);
});

describe("ranges against the registry (npm view <name>@latest)", () => {
  it("every peer range of every publishable package admits that peer's latest version", async () => {
    const problems = [];
    for (const { pkg, name, range } of externalRanges.filter((r) => r.field === "peerDependencies")) {
      const latest = await latestOnRegistry.get(name)!;
      if (!semver.satisfies(latest.version, range)) {
        problems.push(`${pkg.name}: peer ${name} "${range}" does not admit ${latest.version}, the latest on the registry`);
      }
    }
    expect(problems, "widen these ranges in packages/*/package.json (and test the new major)").toEqual([]);
  }, 3 * MINUTES);

  it("every dependency range admits the dependency's latest version, unless that version requires a newer Node than our engines", async () => {
    const problems = [];
    for (const { pkg, name, range } of externalRanges.filter((r) => r.field === "dependencies")) {
      const latest = await latestOnRegistry.get(name)!;
      const ours = (pkg.manifest.engines as { node?: string } | undefined)?.node ?? "*";
      // e.g. raw-body 4 declares node >=22: with engines >=20 we stay on raw-body 3.
      const runsOnOurNode = latest.node === undefined || semver.subset(ours, latest.node);
      if (runsOnOurNode && !semver.satisfies(latest.version, range)) {
        problems.push(`${pkg.name}: dependency ${name} "${range}" does not admit ${latest.version}, the latest on the registry`);
      }
    }
    expect(problems, "widen these ranges in packages/*/package.json (and test the new major)").toEqual([]);
  }, 3 * MINUTES);
});

// docs/checkout.md's PostgreSQL checkout example, as pasted, with the tables its page gives: a shopper
// starts a checkout for their order, the sandbox (standing in for Siglume) confirms it, and the signed
// webhook marks the order paid once in a real PostgreSQL.
describe("docs/checkout.md's PostgreSQL example, run against a real PostgreSQL and the sandbox", () => {
  const page = "docs/checkout.md";
  const example = snippets.find(
    (s) => s.markdown === page && s.packages.includes("@siglume-middleware/store-postgres") && s.code.includes("postgresOrderStore"),
  );
  it(`${example?.id}: a start for the shopper's order opens a session, its payment marks the order paid once, a second start answers 409`, async () => {
    expect(example, `${page} has no example using postgresOrderStore`).toBeDefined();
    const tables = codeBlocks(page, "sql").find((block) => block.fenceLine > example!.fenceLine);
    expect(tables, `no \`\`\`sql block after ${example!.id} creating the orders table it reads`).toBeDefined();
    const plan = plans.find((p) => p.snippets.includes(example!))!;
    await compiled(plan);

    const postgres = await startPostgres();
    const db = testPool(postgres.url);
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const sandbox = await startSiglumeSandbox({ webhookUrl: `${origin}/webhooks/siglume`, origin, port: 0 });
    try {
      await db.query(tables!.code);
      const env = { ...sandbox.env, DATABASE_URL: postgres.url }; // SHOP_PUBLIC_ORIGIN: the checkout's publicOrigin
      const server = await startServer(appDir(plan), process.execPath, `${CURRENT_TS.outDir}/snippets/${example!.slug}/snippet.mjs`, env, port);
      const context = () => `app output:\n${server.output()}`;
      try {
        const start = async (orderId: string) => {
          const res = await fetch(`${origin}/checkout/siglume/start`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ order_id: orderId }),
          });
          return { status: res.status, body: (await res.json()) as Record<string, any> };
        };
        expect(await start("ord_unknown"), context()).toMatchObject({ status: 404, body: { error: { code: "ORDER_NOT_FOUND" } } });
        const started = await start("ord_1");
        expect(started.status, `POST /checkout/siglume/start answered ${JSON.stringify(started.body)}; ${context()}`).toBe(200);
        expect(started.body.checkout_url).toBe(`${sandbox.url}/pay/${started.body.session_id}`);

        const sandboxAction = async (action: string) => {
          const res = await fetch(`${sandbox.url}/v1/sandbox/checkout-sessions/${started.body.session_id}/${action}`, { method: "POST" });
          return { status: res.status, data: ((await res.json()) as { data: Record<string, unknown> }).data };
        };
        const confirmed = await sandboxAction("confirm");
        expect(confirmed.data, context()).toMatchObject({ status: "paid", delivery_status: "delivered", response_status: 204 });
        const paid = () => db.query("SELECT o.status, count(a.*)::int AS paid_attempts FROM orders o LEFT JOIN siglume_checkout_attempts a ON a.order_id = o.id AND a.status = 'paid' WHERE o.id = 'ord_1' GROUP BY o.status");
        expect((await paid()).rows).toEqual([{ status: "paid", paid_attempts: 1 }]);

        const redelivered = await sandboxAction("redeliver"); // the same event, freshly signed
        expect(redelivered.status, context()).toBe(200);
        expect((await paid()).rows).toEqual([{ status: "paid", paid_attempts: 1 }]);
        expect(await start("ord_1"), context()).toMatchObject({ status: 409, body: { error: { code: "ORDER_ALREADY_PAID" } } });
      } finally {
        await server.stop();
      }
    } finally {
      await sandbox.close();
      await db.end();
      await postgres.destroy();
    }
  }, 8 * MINUTES);
});

describe("release configuration", () => {
  it("Changesets versions exactly the publishable packages, as one fixed group, and they share one version", async () => {
    const config = await readChangesetConfig(root, await getPackages(root));
    const names = publishable.map((pkg) => pkg.name).sort();
    expect(
      config.fixed.map((group) => [...group].sort()),
      ".changeset/config.json: the fixed group must hold every publishable package (packages/* not private) and nothing else",
    ).toEqual([names]);
    const versions = publishable.map((pkg) => `${pkg.name}@${pkg.version}`);
    expect(new Set(publishable.map((pkg) => pkg.version)).size, `versions differ: ${versions.join(", ")}`).toBe(1);
  });

  it(
    "the release dry run (`npm run release -- --dry-run` after its build) prints every package's dependency ranges with workspace: replaced, and publishes nothing",
    async () => {
      const run = await releaseDryRun;
      expect(run.code, `node scripts/release.mjs --dry-run failed:\n${run.output}`).toBe(0);
      for (const pkg of publishable) {
        expect(run.output, `no line for ${pkg.name}`).toContain(`${pkg.name}@${pkg.version} `);
        for (const [name, range] of Object.entries((pkg.manifest.dependencies as Record<string, string>) ?? {})) {
          const shown = range.startsWith("workspace:^") ? `^${pkg.version}` : range;
          expect(run.output, `${pkg.name}'s dependency ${name}`).toContain(`dependencies: ${name} ${shown}\n`);
        }
      }
      expect(run.output).not.toContain("workspace:");
      // pnpm's own dry run follows (it lists only versions not yet on the registry).
      expect(run.output).toContain("pnpm -r publish --dry-run:");
    },
    3 * MINUTES,
  );
});
