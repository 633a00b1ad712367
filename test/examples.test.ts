// The example apps refuse to start in production without their secret (the demo secret is public), and
// their checkout without the merchant's own settings (the sandbox's would send shoppers nowhere real).
// The Next.js example runs the same cases on its build: nextjs/example.test.ts.
import { describe } from "vitest";
import { FRAMEWORKS } from "../scripts/lib/examples.mjs";
import { productionRefusalCases } from "./support/examples.js";

const frameworks: string[] = FRAMEWORKS.filter((name) => name !== "nextjs");
const examples: [framework: string, secretVariable: string][] = [
  ...frameworks.map((name): [string, string] => [name, "SIGLUME_WEBHOOK_SECRET"]),
  ["adyen", "ADYEN_HMAC_KEY"],
  ["pomelo", "POMELO_API_SECRET"],
  ["cleartx", "CLEARTX_WEBHOOK_TOKEN"],
];

describe.each(examples)("examples/%s in production", (framework, variable) => {
  productionRefusalCases(framework, variable, { checkout: frameworks.includes(framework) });
});
