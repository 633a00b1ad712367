// The Worker's bindings, as `import { env } from "cloudflare:workers"` gives them (`npx wrangler types` writes a
// complete version of this file, with the runtime's own types).
declare module "cloudflare:workers" {
  export const env: Record<string, string | undefined>;
}
