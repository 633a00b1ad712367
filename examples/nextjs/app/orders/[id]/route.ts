import { orders } from "../../../lib/shop";

export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  return Response.json(orders.get((await params).id) ?? null);
}
