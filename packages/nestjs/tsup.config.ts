import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  // Nest packages stay external: the app's own copies must be the ones used (DI tokens are class identities).
  external: [/^@nestjs\//, "reflect-metadata", "rxjs"],
});
