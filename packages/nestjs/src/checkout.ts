import { All, ConfigurableModuleBuilder, Controller, Inject, Module, Req, Res, UseGuards, type CanActivate, type Type } from "@nestjs/common";
import { HttpAdapterHost } from "@nestjs/core";
import { DEFAULT_CHECKOUT_PATH, createSiglumeCheckoutHandler, type SiglumeCheckoutOptions } from "@siglume-middleware/checkout";

/** Injection token of the checkout module's options. */
export const SIGLUME_CHECKOUT_OPTIONS = "SIGLUME_CHECKOUT_OPTIONS";

/** Everything but the route, which is an extra (it must be known when the module is defined). */
export type SiglumeCheckoutModuleOptions = Omit<SiglumeCheckoutOptions, "path">;

/**
 * What `SiglumeCheckoutModule.forRoot()` takes besides the checkout options, known when the module is defined: the
 * start route and guards for its controller.
 */
export interface SiglumeCheckoutModuleExtras {
  /** Start route (before any global prefix). Default "/checkout/siglume/start". */
  path: string;
  /** Guards for this controller only (global guards apply anyway). */
  guards: (Type<CanActivate> | CanActivate)[];
}

/** The request shape shared by platform-express and platform-fastify: Nest's parser already read the body. */
interface NestRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
}

function createCheckoutController({ path, guards }: SiglumeCheckoutModuleExtras): Type<unknown> {
  @Controller()
  @UseGuards(...guards)
  class SiglumeCheckoutController {
    private readonly handler;

    constructor(
      @Inject(SIGLUME_CHECKOUT_OPTIONS) options: SiglumeCheckoutModuleOptions,
      @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    ) {
      this.handler = createSiglumeCheckoutHandler<NestRequest>({ ...options, path } as SiglumeCheckoutOptions<NestRequest>);
    }

    @All(path)
    async start(@Req() req: NestRequest, @Res() res: unknown): Promise<void> {
      const response = await this.handler.handle({
        method: req.method,
        header: (name) => req.headers[name],
        readBody: () => req.body,
        request: req,
      });
      const adapter = this.adapterHost.httpAdapter;
      for (const name in response.headers) adapter.setHeader(res, name, response.headers[name]!);
      adapter.reply(res, response.body, response.status);
    }
  }
  return SiglumeCheckoutController;
}

export const {
  /**
   * The base class `SiglumeCheckoutModule` extends (from Nest's ConfigurableModuleBuilder): it gives `forRoot` and
   * `forRootAsync`. Use `SiglumeCheckoutModule`.
   */
  ConfigurableModuleClass: SiglumeCheckoutConfigurableModule,
  /**
   * For typing only (its value throws when read): `typeof SIGLUME_CHECKOUT_OPTIONS_TYPE` is what
   * `SiglumeCheckoutModule.forRoot()` accepts, the checkout options with `path` and `guards`.
   */
  OPTIONS_TYPE: SIGLUME_CHECKOUT_OPTIONS_TYPE,
  /**
   * For typing only (its value throws when read): `typeof SIGLUME_CHECKOUT_ASYNC_OPTIONS_TYPE` is what
   * `SiglumeCheckoutModule.forRootAsync()` accepts.
   */
  ASYNC_OPTIONS_TYPE: SIGLUME_CHECKOUT_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<SiglumeCheckoutModuleOptions>({ optionsInjectionToken: SIGLUME_CHECKOUT_OPTIONS })
  .setClassMethodName("forRoot")
  .setExtras<SiglumeCheckoutModuleExtras>({ path: DEFAULT_CHECKOUT_PATH, guards: [] }, (definition, extras) => ({
    ...definition,
    controllers: [...(definition.controllers ?? []), createCheckoutController(extras)],
  }))
  .build();

/**
 * `SiglumeCheckoutModule.forRoot({ publicOrigin, orders, … , path?, guards? })` or `forRootAsync({ useFactory,
 * inject })`: the checkout start route as an ordinary controller, so the app's guards, interceptors and
 * body parser apply. Mount SiglumeModule (the webhook) beside it. `publicOrigin` defaults to SHOP_PUBLIC_ORIGIN.
 */
@Module({})
export class SiglumeCheckoutModule extends SiglumeCheckoutConfigurableModule {}

// Named (not `export *`): a nested star re-export of a package becomes CommonJS-only in the ESM build.
export { CHECKOUT_ERROR_STATUS, DEFAULT_CANCEL_PATH, DEFAULT_CHECKOUT_PATH, DEFAULT_CLIENT_TIMEOUT_MS, DEFAULT_SIGLUME_API_BASE, DEFAULT_SUCCESS_PATH, MICRO_MINIMUM_MINOR, ORDER_ID_MAX_LENGTH, PAID_ORDER_STATUSES, STANDARD_MINIMUM_MINOR, START_BODY_LIMIT } from "@siglume-middleware/checkout";
export { CheckoutStoreUnavailableError, SiglumeApiError, SiglumeAuthenticationError, SiglumeHostedCheckoutNotEnabledError, SiglumeInvalidRequestError, SiglumeMerchantClient, SiglumeMerchantNotFoundError, SiglumeUnavailableError, isCheckoutStoreUnavailableError, isSiglumeApiError } from "@siglume-middleware/checkout";
export { checkoutError, checkoutJson, createSiglumeCheckoutHandler, fulfilSiglumePayment, isChargeableAmount, isCheckoutCurrency, isStandardAmount, memoryOrderStore, newAttemptId, newClaim, nonceFor, normaliseApiBase, parseStartBody, pricingBandOf, resolveCheckoutOptions } from "@siglume-middleware/checkout";
export type * from "@siglume-middleware/checkout";
