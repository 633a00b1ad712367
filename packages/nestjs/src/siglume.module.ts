import { Module } from "@nestjs/common";
import { DiscoveryModule } from "@nestjs/core";
import { SiglumeConfigurableModule } from "./module-definition.js";
import { SiglumeWebhookService } from "./siglume.service.js";

/**
 * `SiglumeModule.forRoot({ webhookSecret, path? })` or `forRootAsync({ useFactory, inject })`.
 * Handlers are methods decorated with @OnDirectPaymentConfirmed(), @OnSiglumeReview(), …
 */
@Module({
  imports: [DiscoveryModule],
  providers: [SiglumeWebhookService],
  exports: [SiglumeWebhookService],
})
export class SiglumeModule extends SiglumeConfigurableModule {}
