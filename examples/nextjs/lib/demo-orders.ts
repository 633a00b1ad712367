import type { MemoryOrder } from "@siglume-middleware/web";

/** The demo's orders: one Standard-priced, one Micro-priced (below JPY 501). */
export const DEMO_ORDERS: MemoryOrder[] = [
  { id: "ord_standard", amount_minor: 1200, currency: "JPY", status: "unpaid", owner: "demo-shopper" },
  { id: "ord_micro", amount_minor: 300, currency: "JPY", status: "unpaid", owner: "demo-shopper" },
];
