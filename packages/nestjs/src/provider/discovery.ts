import type { DiscoveryService, MetadataScanner, Reflector } from "@nestjs/core";

/** What every webhook handler decorator records on a method. */
export interface WebhookHandlerMetadata {
  /** Which handler of the provider it is ("confirmed", "relayed", …). */
  role: string;
  /** The module instance it belongs to, when an app mounts one provider twice. */
  name?: string | undefined;
}

/** A decorated method found by discovery, bound to its instance. */
export interface DiscoveredHandler<TMetadata extends WebhookHandlerMetadata = WebhookHandlerMetadata> {
  /** What the method's decorator recorded (its role, and what it takes). */
  metadata: TMetadata;
  /** "BillingService.paid", for error messages. */
  name: string;
  /** Calls the method on its instance (`this` bound) with the payload and the context. */
  call: (payload: unknown, ctx: unknown) => unknown;
}

/**
 * Every method on providers and controllers carrying `metadataKey` for the
 * module instance `name`. Handlers must be singletons: a request-scoped
 * provider has no instance to call when a webhook arrives.
 */
export function discoverHandlers<TMetadata extends WebhookHandlerMetadata>(
  services: { discovery: DiscoveryService; scanner: MetadataScanner; reflector: Reflector },
  metadataKey: string,
  name: string | undefined,
  moduleName: string,
): DiscoveredHandler<TMetadata>[] {
  const found: DiscoveredHandler<TMetadata>[] = [];
  for (const wrapper of [...services.discovery.getProviders(), ...services.discovery.getControllers()]) {
    const instance = wrapper.instance as Record<string, unknown> | undefined;
    if (!instance || typeof instance !== "object") continue;
    const prototype = Object.getPrototypeOf(instance) as object;
    for (const methodName of services.scanner.getAllMethodNames(prototype)) {
      const method = instance[methodName];
      if (typeof method !== "function") continue;
      const metadata = services.reflector.get<TMetadata | undefined>(metadataKey, method);
      if (!metadata || metadata.name !== name) continue;
      const label = `${instance.constructor.name}.${methodName}`;
      if (!wrapper.isDependencyTreeStatic()) {
        throw new Error(`${moduleName}: ${label} is on a request-scoped provider; webhook handlers must be singletons.`);
      }
      found.push({ metadata, name: label, call: (payload, ctx) => method.call(instance, payload, ctx) });
    }
  }
  return found;
}

/** Runs every method in discovery order; the first throw fails the delivery. Undefined when there is none. */
export function sequence(found: DiscoveredHandler[]): ((payload: unknown, ctx: unknown) => Promise<void>) | undefined {
  if (found.length === 0) return undefined;
  return async (payload, ctx) => {
    for (const handler of found) await handler.call(payload, ctx);
  };
}

/** The methods of one role, in discovery order. */
export function withRole(found: DiscoveredHandler[], role: string): DiscoveredHandler[] {
  return found.filter((handler) => handler.metadata.role === role);
}

/** Every method of `role`, run in order; at start-up, `fail(missing)` when there is none. */
export function required(
  found: DiscoveredHandler[],
  role: string,
  fail: (message: string) => never,
  missing: string,
): (payload: unknown, ctx: unknown) => Promise<void> {
  return sequence(withRole(found, role)) ?? fail(missing);
}

/**
 * Routes each payload to the methods that declared its value (`valueOf(payload)`: a Siglume confirmation's kind,
 * a ClearTX status); a method that declared none takes every value in `values`. Checked at start-up: a declared
 * value outside `values` fails with `messages.outside`, and a value in `values` no method takes fails with
 * `messages.unreached` (it would be acknowledged with no record).
 */
export function fanOut<TValue extends string>(
  methods: DiscoveredHandler[],
  options: {
    declared: (handler: DiscoveredHandler) => readonly string[];
    values: readonly TValue[];
    valueOf: (payload: unknown) => string;
    fail: (message: string) => never;
    messages: { outside(handler: string, value: string): string; unreached(value: TValue): string };
  },
): (payload: unknown, ctx: unknown) => Promise<void> {
  const { values, valueOf, fail, messages } = options;
  const routed = methods.map((handler) => {
    const declared = options.declared(handler);
    for (const value of declared) if (!(values as readonly string[]).includes(value)) fail(messages.outside(handler.name, value));
    return { handler, accepts: new Set<string>(declared.length > 0 ? declared : values) };
  });
  for (const value of values) if (!routed.some(({ accepts }) => accepts.has(value))) fail(messages.unreached(value));
  return async (payload, ctx) => {
    const value = valueOf(payload);
    for (const { handler, accepts } of routed) if (accepts.has(value)) await handler.call(payload, ctx);
  };
}
