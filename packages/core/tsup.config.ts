import { libraryConfig } from "../../tsup.base.js";

// index: the framework-free core (no node:*; its crypto comes from "#platform").
// node: the Node adapters' http helpers (raw-body), importing the core by its own name so classes stay one.
// platform/{node,web}: the two runtime seams package.json "imports" chooses between.
export default libraryConfig({
  entry: {
    index: "src/index.ts",
    node: "src/node.ts",
    "platform/node": "src/platform/node.ts",
    "platform/web": "src/platform/web.ts",
  },
  external: ["#platform", "@siglume-middleware/core"],
  // The declaration build resolves "#platform" to the Node seam and the self-reference to the source (both seams
  // share the contract's types); kept out of tsconfig.json, whose paths bundlers would follow into node_modules.
  dts: {
    entry: { index: "src/index.ts", node: "src/node.ts" },
    compilerOptions: { paths: { "#platform": ["./src/platform/node.ts"], "@siglume-middleware/core": ["./src/index.ts"] } },
  },
});
