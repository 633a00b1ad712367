// `node fetch-server.mjs <module>`: serves a compiled web-standard app (a Worker-style module whose default export
// has `fetch(request, env, ctx)`) over HTTP on Node through @hono/node-server, the way the packaging test starts
// the Node framework apps: PORT=0 picks a free port, "listening <port>" once it is up. `env` is the process's
// environment (a Worker's vars and secrets); `ctx.waitUntil` keeps nothing alive past the answer here.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { serve } from "@hono/node-server";

const [file] = process.argv.slice(2);
if (!file) throw new Error("usage: node fetch-server.mjs <compiled module>");
const loaded = await import(pathToFileURL(resolve(file)).href);
// The ESM build's default export; the CommonJS build's `exports.default` arrives as `default.default`.
const app = typeof loaded.default?.fetch === "function" ? loaded.default : loaded.default?.default;
if (typeof app?.fetch !== "function") throw new Error(`${file} has no default export with a fetch method`);

const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} };
serve({ fetch: (request) => app.fetch(request, process.env, ctx), port: Number(process.env.PORT ?? 3000), hostname: "127.0.0.1" }, (info) =>
  console.log(`listening ${info.port}`),
);
