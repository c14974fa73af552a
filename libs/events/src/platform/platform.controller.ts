import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Req,
} from '@nestjs/common';
import type { Request } from 'express';
import { asCompanyId } from '@app/common';
import { EventFeedService } from '../event-feed.service';
import { closedBy } from '../events.controller';
import {
  CreateWebhookEndpointDto,
  ListDeliveriesQuery,
  PlatformFeedQuery,
  UpdateWebhookEndpointDto,
} from '../events.dto';
import { WebhookEndpointsService } from '../webhooks/webhook-endpoints.service';
import { platformKeyOf, PlatformRoute } from './platform-key.guard';

/** The platform API (CONTRACT.md): every company's events, and the webhook endpoints. */
@Controller('api/platform')
@PlatformRoute()
export class PlatformController {
  constructor(
    private readonly feed: EventFeedService,
    private readonly endpoints: WebhookEndpointsService,
  ) {}

  @Get('events')
  events(@Query() query: PlatformFeedQuery, @Req() request: Request) {
    return this.feed.platform(
      {
        after: query.after,
        limit: query.limit ?? 100,
        types: query.type,
        wait: query.wait,
        companyId: query.companyId ? asCompanyId(query.companyId) : undefined,
      },
      closedBy(request),
    );
  }

  @Get('webhook-endpoints')
  listEndpoints() {
    return this.endpoints.list();
  }

  @Post('webhook-endpoints')
  createEndpoint(@Body() dto: CreateWebhookEndpointDto, @Req() request: Request) {
    return this.endpoints.create(dto, platformKeyOf(request));
  }

  @Get('webhook-endpoints/:id')
  getEndpoint(@Param('id') id: string) {
    return this.endpoints.get(id);
  }

  @Patch('webhook-endpoints/:id')
  updateEndpoint(
    @Param('id') id: string,
    @Body() dto: UpdateWebhookEndpointDto,
    @Req() request: Request,
  ) {
    return this.endpoints.update(id, dto, platformKeyOf(request));
  }

  @Delete('webhook-endpoints/:id')
  @HttpCode(204)
  async deleteEndpoint(@Param('id') id: string, @Req() request: Request): Promise<void> {
    await this.endpoints.delete(id, platformKeyOf(request));
  }

  @Post('webhook-endpoints/:id/rotate-secret')
  @HttpCode(200)
  rotateSecret(@Param('id') id: string, @Req() request: Request) {
    return this.endpoints.rotateSecret(id, platformKeyOf(request));
  }

  @Get('webhook-endpoints/:id/deliveries')
  deliveries(@Param('id') id: string, @Query() query: ListDeliveriesQuery) {
    return this.endpoints.deliveries(id, query);
  }

  @Post('webhook-endpoints/:id/test')
  @HttpCode(200)
  test(@Param('id') id: string, @Req() request: Request) {
    return this.endpoints.test(id, platformKeyOf(request));
  }
}
