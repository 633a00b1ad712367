// POST /checkout/siglume/start {"order_id": "…"}: opens a Siglume checkout for one of the shopper's orders.
import { siglumeCheckoutFetchHandler } from "@siglume-middleware/web";
import { allowMeteredPayments, checkout } from "../../../../lib/settings";
import { orders } from "../../../../lib/shop";

export const POST = siglumeCheckoutFetchHandler({ ...checkout, orders, allowMeteredPayments });
