// The testing package's ClearTX builders: what they make is what the endpoints accept, and the
// stand-in signer pairs with a verifier.
import { describe, expect, it } from "vitest";
import { clearTxSchemas } from "@siglume-middleware/cleartx";
import { CLEARTX_TEST_SIGNATURE_HEADER, clearTxEvents, clearTxRequest, clearTxTestSigner } from "@siglume-middleware/testing";

describe("clearTxEvents and clearTxRequest", () => {
  it("build payloads each endpoint's schema accepts, with a fresh transactionRef each time", () => {
    const built = {
      confirmed: clearTxEvents.confirmed(),
      declined: clearTxEvents.declined(),
      rejected: clearTxEvents.rejected(),
      broadcasted: clearTxEvents.broadcasted(),
      "confirmed-data": clearTxEvents.confirmedData(),
    };
    for (const [route, payload] of Object.entries(built)) {
      expect(clearTxSchemas[route as keyof typeof built].safeParse(payload).success, route).toBe(true);
    }
    expect(clearTxEvents.confirmed().transactionRef).not.toBe(built.confirmed.transactionRef);
    expect(built.declined.status).toBe("DECLINED");
    expect(built["confirmed-data"].protocol).toBe("MAIN");
  });

  it("take a status or an endpoint, merge overrides deeply (undefined leaves a field out), or send a string as it is", () => {
    const byStatus = clearTxRequest("DECLINED", { reason: { category: "USER_CANCELLATION" }, originatorVASPdid: undefined });
    expect(byStatus.path).toBe("/v1/notify/declined");
    const payload = JSON.parse(byStatus.text);
    expect(payload.reason).toEqual({ category: "USER_CANCELLATION", description: expect.any(String) });
    expect("originatorVASPdid" in payload).toBe(false);
    expect(byStatus.body.equals(Buffer.from(byStatus.text))).toBe(true);
    expect(byStatus.headers).toEqual({ "content-type": "application/json" });

    const raw = clearTxRequest("confirmed-data", "{ raw }", { basePath: "/tr/", contentType: "application/json; charset=utf-8" });
    expect([raw.text, raw.path, raw.headers["content-type"]]).toEqual(["{ raw }", "/tr/confirmed-data", "application/json; charset=utf-8"]);
    expect(() => clearTxRequest("pending" as never)).toThrow(/unknown kind "pending"/);
  });

  it("clearTxTestSigner signs the exact bytes, and its verify accepts those bytes only", () => {
    const signer = clearTxTestSigner("s3cret");
    const delivery = clearTxRequest("broadcasted", undefined, { sign: signer.sign });
    expect(delivery.headers[CLEARTX_TEST_SIGNATURE_HEADER]).toMatch(/^[0-9a-f]{64}$/);
    expect(signer.verify({ rawBody: delivery.body, headers: delivery.headers })).toBe(true);
    expect(signer.verify({ rawBody: Buffer.from(`${delivery.text} `), headers: delivery.headers })).toBe(false);
    expect(clearTxTestSigner("other").verify({ rawBody: delivery.body, headers: delivery.headers })).toBe(false);
    expect(signer.verify({ rawBody: delivery.body, headers: {} })).toBe(false);
    expect(signer.verify({ rawBody: delivery.body, headers: { [CLEARTX_TEST_SIGNATURE_HEADER]: [delivery.headers[CLEARTX_TEST_SIGNATURE_HEADER]!] } })).toBe(false);
    expect(() => clearTxTestSigner("")).toThrow(/non-empty/);
  });
});
