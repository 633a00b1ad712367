import { All, Controller, Inject, Req, Res, type Type } from "@nestjs/common";
import { HttpAdapterHost } from "@nestjs/core";
import { SiglumeWebhookService } from "./siglume.service.js";

/** A controller class per module definition, so the route can come from forRoot({ path }). */
export function createSiglumeController(path: string): Type<unknown> {
  @Controller()
  class SiglumeWebhookController {
    constructor(
      @Inject(SiglumeWebhookService) private readonly service: SiglumeWebhookService,
      @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    ) {}

    @All(path)
    async receive(@Req() req: Parameters<SiglumeWebhookService["handle"]>[0], @Res() res: unknown): Promise<void> {
      const response = await this.service.handle(req);
      const adapter = this.adapterHost.httpAdapter;
      // Something else (a timeout interceptor or middleware) answered first: leave its answer alone.
      if (adapter.isHeadersSent(res)) return;
      for (const name in response.headers) adapter.setHeader(res, name, response.headers[name]!);
      adapter.reply(res, response.body, response.status);
    }
  }
  return SiglumeWebhookController;
}
