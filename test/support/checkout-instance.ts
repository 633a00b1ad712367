// One shop instance for the PostgreSQL order-store test, as its own process:
//   node --import tsx support/checkout-instance.ts   with ADAPTER, PORT, PG_URL, API_BASE, SECRET.
// The same shop as the conformance fixtures, with both stores in PostgreSQL: the transactional
// idempotency store, and postgresOrderStore (orders owned by the x-shopper header), so a payment is
// written in the webhook's own transaction. Prints PAID / ALREADY_PAID / MISMATCH lines the test reads.
import { postgresIdempotencyStore, postgresOrderStore } from "@siglume-middleware/store-postgres";
import { shopperOf, shops } from "./checkout-apps.js";

const { ADAPTER = "express", PORT, PG_URL, API_BASE, SECRET } = process.env;
const say = (line: string) => process.stdout.write(`${line}\n`);

const fixture = shops.find((shop) => shop.name === ADAPTER);
if (!fixture) throw new Error(`unknown ADAPTER ${ADAPTER}`);
const orders = postgresOrderStore({ connectionString: PG_URL!, owns: (row, request) => row.owner === shopperOf(request) });
const shop = await fixture.start(Number(PORT), {
  orders,
  idempotencyStore: postgresIdempotencyStore({ connectionString: PG_URL! }),
  webhookSecret: SECRET!,
  checkout: { merchant: "sandbox_merchant", apiBase: API_BASE!, merchantAuthToken: "sandbox_merchant_token" },
});
// Report each fulfilment as the handler records it.
const push = shop.fulfilments.push.bind(shop.fulfilments);
shop.fulfilments.push = (...results) => {
  for (const r of results) say(r.status === "mismatch" ? `MISMATCH ${r.orderId} ${r.reason}` : `${r.status.toUpperCase()} ${r.orderId}`);
  return push(...results);
};
say(`LISTENING ${PORT}`);
