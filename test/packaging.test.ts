import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const cwd = fileURLToPath(new URL(".", import.meta.url));
const node = (args: string[]) => execFileSync(process.execPath, args, { cwd, encoding: "utf8" }).trim();
const exportsVia = {
  require: (name: string) => node(["-e", `console.log(Object.keys(require(${JSON.stringify(name)})).sort().join(","))`]),
  import: (name: string) =>
    node(["--input-type=module", "-e", `const m = await import(${JSON.stringify(name)}); console.log(Object.keys(m).filter((k) => k !== "default").sort().join(","))`]),
};

// The built packages, loaded by a real Node process exactly as a user's app would load them.
describe.each([
  ["@siglume-middleware/core", "verifySiglumeWebhook"],
  ["@siglume-middleware/express", "siglumeRouter"],
  ["@siglume-middleware/fastify", "siglumePlugin"],
  ["@siglume-middleware/koa", "siglumeMiddleware"],
  ["@siglume-middleware/nestjs", "SiglumeModule"],
  ["@siglume-middleware/testing", "signedRequest"],
  ["@siglume-middleware/store-postgres", "postgresIdempotencyStore"],
  ["@siglume-middleware/store-redis", "redisIdempotencyStore"],
  ["@siglume-middleware/checkout", "createSiglumeCheckoutHandler"],
  ["@siglume-middleware/sandbox", "startSiglumeSandbox"],
])("%s dual build", (name, entry) => {
  it("exposes the same API through require() and import", () => {
    const viaRequire = exportsVia.require(name).split(",");
    expect(viaRequire).toContain(entry);
    expect(exportsVia.import(name).split(",")).toEqual(viaRequire.filter((k) => k !== "default"));
  });
});
