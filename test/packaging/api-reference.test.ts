// The API reference (scripts/docs-api.mjs, `npm run docs:api`) as a real subprocess: TypeDoc over every entry point
// of every publishable package, failing on an exported symbol without a doc comment or a broken {@link}. Here, so
// a missing comment fails `npm test` rather than leaving a blank in the reference.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exec, publishablePackages, root } from "../../scripts/lib/packages.mjs";

const script = join(root, "scripts/docs-api.mjs");
// TypeDoc colours its warnings unless NO_COLOR is set; a failure shows them as plain text.
const env = { ...process.env, NO_COLOR: "1" };

describe("API reference", () => {
  it("documents every entry point of every publishable package's exports, subpaths included", async () => {
    const listed = await exec(process.execPath, [script, "--list"], { env });
    expect(listed.code, listed.output).toBe(0);
    const specifiers = (JSON.parse(listed.stdout) as { specifier: string }[]).map((entry) => entry.specifier);
    expect(specifiers).toEqual(expect.arrayContaining(["@siglume-middleware/core", "@siglume-middleware/core/node", "@siglume-middleware/nestjs/adyen"]));
    for (const pkg of publishablePackages()) {
      const subpaths = Object.keys((pkg.manifest.exports as Record<string, unknown> | undefined) ?? {}).filter((subpath) => subpath !== "./package.json");
      for (const subpath of subpaths) expect(specifiers).toContain(subpath === "." ? pkg.name : `${pkg.name}/${subpath.slice(2)}`);
    }
  });

  it("finds a doc comment on every exported symbol and every link resolving", { timeout: 180_000 }, async () => {
    const checked = await exec(process.execPath, [script, "--check"], { env });
    expect(checked.code, checked.output).toBe(0);
    expect(checked.output).toMatch(/API reference: \d+ entry points documented/);
  });
});
