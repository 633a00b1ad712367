import { ConfigurableModuleBuilder } from "@nestjs/common";
import { DEFAULT_PATH, type SiglumeHandlers, type SiglumeOptions } from "@siglume-middleware/core";
import { SIGLUME_MODULE_OPTIONS } from "./constants.js";
import { createSiglumeController } from "./siglume.controller.js";

/** Everything but the handlers, which come from decorated methods. */
export type SiglumeModuleOptions = Omit<SiglumeOptions<boolean>, Exclude<keyof SiglumeHandlers, "onError"> | "path">;

export interface SiglumeModuleExtras {
  /** Webhook route (before any global prefix). Default "/webhooks/siglume". */
  path: string;
}

export const {
  ConfigurableModuleClass: SiglumeConfigurableModule,
  OPTIONS_TYPE: SIGLUME_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: SIGLUME_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<SiglumeModuleOptions>({ optionsInjectionToken: SIGLUME_MODULE_OPTIONS })
  .setClassMethodName("forRoot")
  // The route must be known when the module is defined, so it is an extra rather than an (async) option.
  .setExtras<SiglumeModuleExtras>({ path: DEFAULT_PATH }, (definition, extras) => ({
    ...definition,
    controllers: [...(definition.controllers ?? []), createSiglumeController(extras.path)],
  }))
  .build();
