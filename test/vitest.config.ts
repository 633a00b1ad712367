import { defineConfig } from "vitest/config";

// Packages resolve "#platform" (the core's runtime seam) by export conditions: "node" picks node:crypto, "worker"
// picks WebCrypto. The web-crypto project runs the conformance suites' web targets on the WebCrypto seam.
const WEB_CONDITIONS = ["worker", "module", "node"];
// Vitest also hands the SSR conditions to Node (--conditions): without "module", which picks bundler builds
// Node cannot load (OpenTelemetry's ESM with extensionless imports).
const WEB_SSR_CONDITIONS = ["worker", "node"];

export default defineConfig({
  test: {
    exclude: ["**/node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real servers on loopback; two cores.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["**/*.test.ts"], exclude: ["**/node_modules/**", "packaging/**", "runtimes/**", "nextjs/**"] },
      },
      {
        extends: true,
        resolve: { conditions: WEB_CONDITIONS },
        ssr: { resolve: { conditions: WEB_SSR_CONDITIONS, externalConditions: ["worker", "node"] } },
        test: {
          name: "web-crypto",
          include: ["conformance*.test.ts", "checkout.conformance.test.ts", "web/**/*.test.ts"],
          execArgv: ["--conditions=worker"],
          env: { SIGLUME_TEST_TARGETS: "fetch,hono", SIGLUME_EXPECT_PLATFORM: "web" },
        },
      },
      // Real Node, Bun, Deno and workerd processes running the same app (runtimes/); slower to start.
      { extends: true, test: { name: "runtimes", include: ["runtimes/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 120_000 } },
      // npm installs and compiles that would compete with the timing-sensitive tests for the two
      // cores: `npm test` runs these projects after the others (package.json "test").
      { extends: true, test: { name: "packaging", include: ["packaging/**/*.test.ts"] } },
      // The Next.js example: `next build` (Turbopack takes every core), then `next start`.
      { extends: true, test: { name: "nextjs", include: ["nextjs/**/*.test.ts"] } },
    ],
  },
});
