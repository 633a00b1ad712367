// Types for runtimes.mjs, which the tests share with `npm run demo`.
export const RUNTIMES: readonly ("node" | "bun" | "deno")[];
export type Runtime = (typeof RUNTIMES)[number];
export function bunBinary(): string;
export function denoBinary(): string;
/** What a Deno process may read from the environment: the variables named, or `true` for all of them. */
export interface DenoPermissions {
  env: string[] | true;
}
export function denoRunArgs(file: string, permissions: DenoPermissions): string[];
