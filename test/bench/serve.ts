// What every benchmark server script shares: listening on a free loopback port, and the protocol with
// lib.ts's startServer (FRAMEWORK and VARIANT in the environment, "LISTENING <port>" on stdout).
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { NestFactory } from "@nestjs/core";

/** The port a listening server took. */
export const portOf = (server: Server): number => (server.address() as AddressInfo).port;

/** Listens on a free loopback port (an Express or Koa app's `listen`) and gives the port. */
export async function listening(listen: (port: number, host: string) => Server): Promise<number> {
  const server = listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  return portOf(server);
}

/** A Nest app of `module` (Express platform, raw bodies kept, no logs) on a free loopback port. */
export async function nestListening(module: Parameters<typeof NestFactory.create>[0]): Promise<number> {
  const app = await NestFactory.create(module, { rawBody: true, logger: false });
  await app.listen(0, "127.0.0.1");
  return portOf(app.getHttpServer());
}

/** Runs `start` when started by startServer; SIGTERM exits through process.exit so --cpu-prof can write its profile. */
export function serve(start: (framework: string, variant: string) => Promise<number>, defaultVariant: string): void {
  if (process.env.FRAMEWORK) {
    void start(process.env.FRAMEWORK, process.env.VARIANT ?? defaultVariant).then((port) => process.stdout.write(`LISTENING ${port}\n`));
  }
  process.on("SIGTERM", () => process.exit(0));
}
