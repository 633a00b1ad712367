// Which runtime seam the packages loaded: node:crypto in the unit project, WebCrypto in the web-crypto project
// (it runs the conformance suites' fetch and Hono targets under the "worker" export condition). Without this,
// a resolver that ignored the condition would run the web targets on Node's crypto and prove nothing.
import { expect, it } from "vitest";
import { platformName } from "@siglume-middleware/core";
import * as web from "@siglume-middleware/web";

it(`the core runs on its ${process.env.SIGLUME_EXPECT_PLATFORM ?? "node"} seam, and the web package shares it`, () => {
  expect(platformName).toBe(process.env.SIGLUME_EXPECT_PLATFORM ?? "node");
  expect(web.platformName).toBe(platformName);
});
