import type { SandboxSession } from "./events.js";

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

function money(session: SandboxSession): string {
  return session.currency === "USD"
    ? `USD ${(session.amount_minor / 100).toFixed(2)}`
    : `JPY ${session.amount_minor.toLocaleString("en-US")}`;
}

/** The hosted page at /pay/{session_id}: the amount, the merchant, and Confirm / Cancel buttons. */
export function checkoutPage(session: SandboxSession): string {
  const open = session.status === "open";
  const base = `/v1/sandbox/checkout-sessions/${encodeURIComponent(session.session_id)}`;
  return `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Siglume sandbox checkout</title>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; line-height: 1.5">
  <h1>Siglume sandbox checkout</h1>
  <p>A local sandbox page: no wallet, token or chain is involved, and nothing is charged.</p>
  <dl>
    <dt>Merchant</dt><dd id="merchant">${escapeHtml(session.merchant)}</dd>
    <dt>Amount</dt><dd id="amount">${escapeHtml(money(session))}</dd>
    <dt>Status</dt><dd id="status">${escapeHtml(session.status)}</dd>
  </dl>
  <button id="confirm" type="button"${open ? "" : " disabled"}>Confirm sandbox payment</button>
  <button id="cancel" type="button"${open ? "" : " disabled"}>Cancel</button>
  <p id="message" role="status"></p>
  <script>
    async function act(action) {
      for (const b of document.querySelectorAll("button")) b.disabled = true;
      const response = await fetch(${JSON.stringify(base)} + "/" + action, { method: "POST" });
      const body = await response.json();
      document.getElementById("status").textContent = (body.data && body.data.status) || "failed";
      if (body.data && body.data.redirect_url) window.location.assign(body.data.redirect_url);
      else document.getElementById("message").textContent = (body.error && body.error.message) || "failed";
    }
    document.getElementById("confirm").addEventListener("click", () => act("confirm"));
    document.getElementById("cancel").addEventListener("click", () => act("cancel"));
  </script>
</body>
</html>
`;
}
