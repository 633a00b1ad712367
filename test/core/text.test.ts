// isBlank and trimmed answer what `text.trim() === ""` and `text.trim()` answer (they decide whether an id, a type or
// a field is present, and read signature headers), for any text, including every white-space character
// JavaScript's trim removes and none of those it keeps.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isBlank, isDigits, trimmed } from "@siglume-middleware/core";

// What trim removes (WhiteSpace and LineTerminator), and look-alikes it keeps (zero-width space, joiners, NUL).
const SPACES = ["\t", "\n", "\v", "\f", "\r", " ", "\u00a0", "\u1680", "\u2000", "\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\ufeff"];
const NOT_SPACES = ["\u200b", "\u200d", "\u0000", "\u0085", "\u180e", "x", "~", "é"];

describe("isBlank, trimmed and isDigits", () => {
  it("agrees with trim() for any text made of white space, look-alikes and anything else", () => {
    const unit = fc.oneof(fc.constantFrom(...SPACES), fc.constantFrom(...NOT_SPACES), fc.string({ unit: "binary", maxLength: 2 }));
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 8 }).map((parts) => parts.join("")), (text) => {
        expect(isBlank(text)).toBe(text.trim() === "");
        expect(trimmed(text)).toBe(text.trim());
      }),
      { numRuns: 5000, examples: [[""], [" "], ["\ufeff"], ["\u200b"], [" x "], ["\u00a0a"]] },
    );
  });

  it("isDigits takes exactly what /^\\d{1,15}$/ takes", () => {
    const digit = fc.constantFrom(..."0123456789");
    const unit = fc.oneof(digit, digit, fc.constantFrom(" ", "+", "-", ".", "e", "١", "０"), fc.string({ unit: "binary", maxLength: 1 }));
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 18 }).map((parts) => parts.join("")), (text) => {
        expect(isDigits(text)).toBe(/^\d{1,15}$/.test(text));
      }),
      { numRuns: 5000, examples: [[""], ["0"], ["123456789012345"], ["1234567890123456"], ["1 "], ["١٧"]] },
    );
  });
});
