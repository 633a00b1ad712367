// Types for ports.mjs, which the tests share with `npm run demo`.
/** A port on 127.0.0.1 that is free now and that the kernel will not give to anyone else. */
export function freePort(): Promise<number>;
