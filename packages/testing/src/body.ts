/** The bytes to send: a string or bytes as they are, anything else as JSON. */
export function bodyBytes(payload: object | string | Uint8Array): Buffer {
  if (typeof payload === "string") return Buffer.from(payload);
  if (payload instanceof Uint8Array) return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  return Buffer.from(JSON.stringify(payload));
}
