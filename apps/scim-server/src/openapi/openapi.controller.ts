import { Controller, Get } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { adminOpenApiDocument } from './admin-api.openapi';

/** The admin API's OpenAPI document; public, like any API reference. */
@Controller('api')
export class OpenApiController {
  private readonly document: ReturnType<typeof adminOpenApiDocument>;

  constructor(config: AppConfig) {
    this.document = adminOpenApiDocument(config.publicUrl);
  }

  @Get('openapi.json')
  openApi() {
    return this.document;
  }
}
