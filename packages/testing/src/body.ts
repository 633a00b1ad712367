/** The bytes to send: a string or bytes as they are, anything else as JSON. */
export function bodyBytes(payload: object | string | Uint8Array): Buffer {
  if (typeof payload === "string") return Buffer.from(payload);
  if (payload instanceof Uint8Array) return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  return Buffer.from(JSON.stringify(payload));
}

/** Overrides for a builder: any part of the payload, at any depth. */
export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** `base` with `overrides` merged in deeply (objects merged, anything else replaced). */
export function merge<T extends Record<string, unknown>>(base: T, overrides: Record<string, unknown> = {}): T {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = out[key];
    out[key] =
      value !== null && typeof value === "object" && !Array.isArray(value) && current !== null && typeof current === "object"
        ? merge(current as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out as T;
}
