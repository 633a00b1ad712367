// Real PostgreSQL and Redis servers on loopback for the store tests. Each test
// file starts its own (a throwaway data directory, a free port), so a test that
// stops its server cannot disturb another. Nothing is skipped: a missing binary
// fails the run with what to install.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "../../scripts/lib/ports.mjs";

// Asynchronous on purpose: initdb and pg_ctl take seconds on a loaded machine, and a
// blocked event loop in a test worker starves vitest's own RPC with the main process.
const execFileAsync = promisify(execFile);

export { freePort };

function findBinary(name: string, extraDirs: string[]): string {
  for (const dir of [...extraDirs, ...(process.env.PATH ?? "").split(":")]) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(
    `${name} not found. The store tests need real servers: install the Debian packages postgresql and ` +
      "redis-server (scripts/ensure-tools.mjs does this as root; `npm test` runs it).",
  );
}

function postgresBinDirs(): string[] {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => join(base, version, "bin"));
}

/** PostgreSQL refuses to run as root; as root we run it as the `postgres` user the Debian package creates. */
async function postgresUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const id = async (flag: string) => Number((await execFileAsync("id", [flag, "postgres"])).stdout.trim());
  return { uid: await id("-u"), gid: await id("-g") };
}

export interface PostgresServer {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/** `durable: true` keeps fsync on, as in production (the benchmark); tests run without it. */
export async function startPostgres({ durable = false }: { durable?: boolean } = {}): Promise<PostgresServer> {
  const bins = postgresBinDirs();
  const initdb = findBinary("initdb", bins);
  const pgCtl = findBinary("pg_ctl", bins);
  const user = await postgresUser();
  const dir = mkdtempSync(join(tmpdir(), "siglume-pg-"));
  const data = join(dir, "data");
  if (user) chownSync(dir, user.uid, user.gid);
  const port = await freePort();
  const run = async (file: string, args: string[]) => {
    try {
      await execFileAsync(file, args, { cwd: dir, encoding: "utf8", ...user });
    } catch (error) {
      const { stderr = "", stdout = "" } = error as { stderr?: string; stdout?: string };
      throw new Error(`${file} ${args.join(" ")} failed:\n${stderr || stdout}`);
    }
  };

  await run(initdb, ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=${durable ? "on" : "off"} -c max_connections=200`;
  const start = async () => {
    await run(pgCtl, ["-D", data, "-o", options, "-l", join(dir, "server.log"), "-w", "-t", "60", "start"]);
  };
  const stop = async () => {
    await run(pgCtl, ["-D", data, "-m", "fast", "-w", "stop"]);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    async destroy() {
      try {
        await stop();
      } catch {
        // Already stopped.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A pool for a test's own queries. Like any long-lived pool (the store's docs ask the
 * same of users) it listens for 'error': an idle client losing its server, when a test
 * stops PostgreSQL, must not become an uncaught exception in the test worker.
 */
export function testPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url });
  pool.on("error", () => {});
  return pool;
}

export interface RedisServer {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  const binary = findBinary("redis-server", ["/usr/bin", "/usr/local/bin"]);
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(binary, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let log = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (log += chunk));
    const deadline = Date.now() + 20_000;
    while (!log.includes("Ready to accept connections")) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const stop = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    await exited;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, start, stop };
}
