// Reading Pomelo payloads whose field names are not published: what is recognised, and what is redacted.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isCodeField, recogniseOtp, recogniseTokenEvent, redactOtp } from "@siglume-middleware/pomelo";

describe("Pomelo payload recognition", () => {
  it("reads the code under any published spelling, data first", () => {
    for (const name of ["otp", "otp_code", "otpCode", "one_time_password", "passcode", "code"]) {
      expect(recogniseOtp({ [name]: "482913" }).code, name).toBe("482913");
    }
    expect(recogniseOtp({ otp: "111111", data: { otp: "222222" } }).code).toBe("222222");
    expect(recogniseTokenEvent({ id: "evt_1", status: "SENT", data: { token_id: "tkn_1", status: "SUSPENDED" } })).toMatchObject({
      tokenId: "tkn_1",
      status: "SUSPENDED",
    });
  });

  it("treats code-like names as secret whatever their spelling, and leaves plain fields alone", () => {
    for (const name of ["otp", "OTP", "otpCode", "otp_value", "one-time-password", "oneTimePassword", "passcode", "verification_code", "activationCode", "code"]) {
      expect(isCodeField(name), name).toBe(true);
    }
    for (const name of ["status", "status_code", "countryCode", "currency_code", "otp_method", "method", "card_id", "recipient", "token_id"]) {
      expect(isCodeField(name), name).toBe(false);
    }
  });

  it("never leaves a value under a code-like name in a redacted payload, at any depth", () => {
    const code = fc.stringMatching(/^[0-9]{6}$/);
    const secretName = fc.constantFrom("otp", "otpCode", "OTP_CODE", "passcode", "verificationCode", "one_time_password");
    const plainName = fc.constantFrom("status", "card_id", "method", "status_code", "token_id");
    const tree: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      node: fc.oneof(
        { maxDepth: 4, depthSize: "small" },
        fc.string({ maxLength: 8 }),
        fc.record({ name: secretName, value: code, rest: fc.dictionary(plainName, tie("node"), { maxKeys: 3 }) }).map(({ name, value, rest }) => ({ ...rest, [name]: value })),
        fc.dictionary(plainName, tie("node"), { maxKeys: 3 }),
        fc.array(tie("node"), { maxLength: 3 }),
      ),
    })).node;
    fc.assert(
      fc.property(tree, (payload) => {
        const secrets: string[] = [];
        const collect = (value: unknown): void => {
          if (Array.isArray(value)) return value.forEach(collect);
          if (typeof value !== "object" || value === null) return;
          for (const [name, inner] of Object.entries(value)) (isCodeField(name) && typeof inner === "string" ? secrets.push(inner) : collect(inner));
        };
        collect(payload);
        const text = JSON.stringify(redactOtp(payload));
        for (const secret of secrets) expect(text).not.toContain(`"${secret}"`);
      }),
      { numRuns: 500 },
    );
  });
});
