import { libraryConfig } from "../../tsup.base.js";

// Nest packages stay external: the app's own copies must be used (DI tokens are class identities).
// One entry per provider (`@siglume-middleware/nestjs/adyen`, …), so an app installs only the providers it uses;
// shared code goes to chunks rather than into every entry.
export default libraryConfig({
  entry: { index: "src/index.ts", adyen: "src/adyen/index.ts", pomelo: "src/pomelo/index.ts", cleartx: "src/cleartx/index.ts", "standard-webhooks": "src/standard-webhooks/index.ts" },
  splitting: true,
  external: [/^@nestjs\//, "reflect-metadata", "rxjs", /^@siglume-middleware\//],
});
