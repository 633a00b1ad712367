import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    exclude: ["**/node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real servers on loopback; two cores.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: "unit", include: ["**/*.test.ts"], exclude: ["**/node_modules/**", "packaging/**"] } },
      // npm installs and compiles that would compete with the timing-sensitive tests for the two
      // cores: `npm test` runs this project after the other one (package.json "test").
      { extends: true, test: { name: "packaging", include: ["packaging/**/*.test.ts"] } },
    ],
  },
});
