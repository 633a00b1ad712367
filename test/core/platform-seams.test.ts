// The two runtime seams (node:crypto + Buffer, WebCrypto + plain Uint8Arrays) must read every input alike: a body
// or header that verified or parsed on one runtime and not on another would make a delivery's fate depend on where
// the app runs. Both built modules are loaded side by side and fed the same inputs. Decoders are compared on what
// HTTP carries: any bytes for bodies, latin1 text for header values (fetch refuses anything above U+00FF there).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Platform } from "@siglume-middleware/core";

// The built modules, whichever one "#platform" picks in this run (typed by their shared contract).
const load = async (name: string) => (await import(new URL(`../../packages/core/dist/platform/${name}.js`, import.meta.url).href)) as Platform;
const [node, web] = await Promise.all([load("node"), load("web")]);

const headerText = fc.string({ unit: fc.integer({ min: 0, max: 0xff }).map((code) => String.fromCharCode(code)), maxLength: 80 });
const base64ish = fc.string({ unit: fc.constantFrom(..."AZaz09+/-_= \t.,%é\u00ff".split("")), maxLength: 60 });
const hexish = fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEFgG \t,=".split("")), maxLength: 70 });

describe("node and web platform seams", () => {
  it("decode any bytes to the same text (a UTF-8 byte order mark is kept by both)", () => {
    expect(web.utf8Decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]))).toBe("\ufeff{}");
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 8 }).map((tail) => new Uint8Array([0xef, 0xbb, 0xbf, ...tail]))), (bytes) => {
        expect(web.utf8Decode(bytes)).toBe(node.utf8Decode(bytes));
      }),
    );
  });

  it("decode base64 and hex header values leniently in the same way", () => {
    fc.assert(
      fc.property(fc.oneof(headerText, base64ish, hexish), (text) => {
        expect(web.fromBase64(text)).toEqual(new Uint8Array(node.fromBase64(text)));
        expect(web.fromHex(text)).toEqual(new Uint8Array(node.fromHex(text)));
      }),
      { numRuns: 2000 },
    );
  });

  it("encode, count, hash and compare alike", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), fc.string({ unit: "binary", maxLength: 40 }), (bytes, key, text) => {
        expect(web.toBase64(bytes)).toBe(node.toBase64(bytes));
        expect(web.toBase64Url(bytes)).toBe(node.toBase64Url(bytes));
        expect(web.toHex(bytes)).toBe(node.toHex(bytes));
        expect(web.byteLength(text)).toBe(node.byteLength(text));
        expect(web.utf8Encode(text)).toEqual(new Uint8Array(node.utf8Encode(text)));
        expect(web.sha256Sync(text)).toEqual(new Uint8Array(node.sha256Sync(text)));
        expect(web.hmacSync(web.secretKey(key), [text, bytes])).toEqual(new Uint8Array(node.hmacSync(node.secretKey(key), [text, bytes])));
        const other = bytes.map((byte, i) => (i === 0 ? byte ^ 1 : byte));
        expect(web.equalBytes(bytes, other)).toBe(node.equalBytes(bytes, other));
        expect(web.equalBytes(bytes, bytes.slice())).toBe(true);
      }),
    );
  });
});
