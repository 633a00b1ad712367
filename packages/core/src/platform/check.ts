// Type-checks both platform modules against the contract (the source build resolves "#platform" to node.ts only).
import type * as Node from "./node.js";
import type * as Web from "./web.js";
import type { Platform } from "./contract.js";

export type NodeSatisfiesContract = typeof Node extends Platform ? true : never;
export type WebSatisfiesContract = typeof Web extends Platform ? true : never;
export const platformsChecked: [NodeSatisfiesContract, WebSatisfiesContract] = [true, true];
