import { reviews } from "../../lib/shop";

export const dynamic = "force-dynamic"; // read on every request, never prerendered at build time

export function GET() {
  return Response.json(reviews);
}
