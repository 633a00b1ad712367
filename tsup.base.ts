import { defineConfig, type Options } from "tsup";

/** Every library package: one entry, ESM (dist/index.js) + CJS (dist/index.cjs), with types. */
export function libraryConfig(overrides: Options = {}) {
  return defineConfig({
    entry: ["src/index.ts"],
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node20",
    ...overrides,
  });
}
