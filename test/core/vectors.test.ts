import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  SiglumeWebhookError,
  classifyDirectPaymentConfirmation,
  verifySiglumeWebhook,
  type SiglumeEvent,
} from "@siglume-middleware/core";

/** Copied verbatim from shared/reference/siglume-vectors.json (Siglume's reference SDK 0.5.7). */
const vectors = JSON.parse(readFileSync(new URL("../fixtures/siglume-vectors.json", import.meta.url), "utf8")) as {
  classify: { event: SiglumeEvent; expect: Record<string, string> }[];
  verify: {
    name: string;
    secret: string;
    body_b64: string;
    header: string;
    now: number;
    tolerance_seconds: number;
    expect: { ok: true; id: string; timestamp: number } | { ok: false; error: "signature" | "payload" };
  }[];
};

const SIGNATURE_CODES = ["SIGNATURE_HEADER_MISSING", "SIGNATURE_HEADER_MALFORMED", "TIMESTAMP_OUT_OF_TOLERANCE", "SIGNATURE_MISMATCH"];
const PAYLOAD_CODES = ["PAYLOAD_INVALID_JSON", "PAYLOAD_INVALID_EVENT"];

describe("reference classify vectors", () => {
  it("has the full public set", () => expect(vectors.classify.length).toBe(81));

  it.each(vectors.classify.map((v, i) => [`${i}: ${v.event.id} → ${v.expect.kind}${v.expect.reason ? `/${v.expect.reason}` : ""}`, v] as const))(
    "%s",
    (_name, vector) => {
      const result = classifyDirectPaymentConfirmation(vector.event);
      expect(result).toMatchObject(vector.expect);
      expect(result.event).toBe(vector.event);
      expect(result.data).toBe(vector.event.data);
    },
  );
});

describe("reference verify vectors", () => {
  it("has the full public set", () => expect(vectors.verify.length).toBe(39));

  it.each(vectors.verify.map((v) => [v.name, v] as const))("%s", (_name, vector) => {
    const body = Buffer.from(vector.body_b64, "base64");
    const run = () =>
      verifySiglumeWebhook(body, vector.header, {
        secret: vector.name.startsWith("rotation_") ? [vector.secret] : vector.secret,
        toleranceSeconds: vector.tolerance_seconds,
        now: vector.now,
      });
    if (vector.expect.ok) {
      expect(run().id).toBe(vector.expect.id);
      // The same bytes as a string and as a plain Uint8Array verify the same way.
      expect(verifySiglumeWebhook(body.toString("utf8"), vector.header, { secret: vector.secret, toleranceSeconds: vector.tolerance_seconds, now: vector.now }).id).toBe(vector.expect.id);
      expect(verifySiglumeWebhook(new Uint8Array(body), vector.header, { secret: vector.secret, toleranceSeconds: vector.tolerance_seconds, now: vector.now }).id).toBe(vector.expect.id);
      return;
    }
    let error: unknown;
    try {
      run();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SiglumeWebhookError);
    const { code, status } = error as SiglumeWebhookError;
    expect(vector.expect.error === "signature" ? SIGNATURE_CODES : PAYLOAD_CODES).toContain(code);
    expect(status).toBe(code === "SIGNATURE_MISMATCH" || code === "TIMESTAMP_OUT_OF_TOLERANCE" ? 401 : 400);
  });
});
