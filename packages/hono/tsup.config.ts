import { libraryConfig } from "../../tsup.base.js";

// Bundled for any runtime: nothing from node:* (tsup keeps the dependencies external).
export default libraryConfig({ platform: "neutral", target: "es2022" });
