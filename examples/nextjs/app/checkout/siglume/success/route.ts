// Where Siglume sends the shopper back after paying (the start route's default success path).
export function GET(request: Request) {
  const orderId = new URL(request.url).searchParams.get("order_id") ?? "";
  const escaped = orderId.replace(/[^\w-]/g, "");
  return new Response(`<h1>Thank you</h1><p>order ${escaped}</p>`, { headers: { "content-type": "text/html; charset=utf-8" } });
}
