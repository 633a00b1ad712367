// `@siglume-middleware/core/node`: what the Node adapters (Express, Fastify, Koa, NestJS) need from Node's
// http stack. Kept out of the main entry so that web runtimes never load raw-body or node:http.
export { nodeRequestBody, readRawBody } from "./body/node.js";
export { writeNodeResponse } from "./http/node.js";
