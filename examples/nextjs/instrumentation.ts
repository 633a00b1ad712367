// Next.js calls register() once when the server starts: reading the settings here makes `next start` refuse to
// start, naming a missing one, instead of failing on the first request to a route.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  await import("./lib/settings");
  console.log(`[nextjs] listening: Siglume webhooks at /webhooks/siglume (Node.js) and /edge/webhooks/siglume (edge)`);
}
