// Types for packages.mjs, so TypeScript tests can import it.

export interface PackageManifest {
  name: string;
  version: string;
  private?: boolean;
  [field: string]: unknown;
}

export interface PublishablePackage {
  name: string;
  version: string;
  /** Relative to the repository root, e.g. "packages/express". */
  dir: string;
  manifest: PackageManifest;
}

export interface PackedPackage extends PublishablePackage {
  /** Absolute path of the .tgz. */
  tarball: string;
  /** Paths inside the tarball, without the "package/" prefix. */
  files: string[];
  /** The package.json inside the tarball (workspace: ranges rewritten, beforePacking applied). */
  packedManifest: PackageManifest;
}

/** The repository root, with a trailing slash. */
export const root: string;
export function publishablePackages(): PublishablePackage[];
export interface Exec {
  /** The exit code (a signal's name if it was killed; -1 if it could not start). */
  code: number | string;
  stdout: string;
  /** stdout and stderr, interleaved. */
  output: string;
}
export function exec(command: string, args: string[], options?: import("node:child_process").SpawnOptions): Promise<Exec>;
export function run(command: string, args: string[], options?: import("node:child_process").SpawnOptions): Promise<Exec>;
export function readTarball(file: string): Promise<Map<string, Buffer>>;
export function packPackages(destination: string): Promise<PackedPackage[]>;
