import type { NextConfig } from "next";

const config: NextConfig = {
  // The workspace's typecheck runs `tsc -p .` on this app; `next build` need not check again.
  typescript: { ignoreBuildErrors: true },
  // Next.js hands a route the URL that was requested, not a rewrite's destination: a delivery to
  // /api/webhooks/siglume reaches app/webhooks/siglume/route.ts, whose handler answers 404 ROUTE_NOT_FOUND
  // naming the path it serves. Point Siglume at the route itself, or set the handler's `path` to the URL
  // Siglume posts to. (Here to show that answer; docs/nextjs.md "The path".)
  async rewrites() {
    return [{ source: "/api/:path*", destination: "/:path*" }];
  },
};

export default config;
