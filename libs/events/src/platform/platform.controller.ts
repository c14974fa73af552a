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
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
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
import {
  CreatedWebhookEndpointView,
  DeliveryAttemptView,
  DeliveryPageView,
  EventPageView,
  RotatedWebhookEndpointView,
  WebhookEndpointView,
} from '../events.view';
import { WebhookEndpointsService } from '../webhooks/webhook-endpoints.service';
import { platformKeyOf, PlatformRoute } from './platform-key.guard';

/** The platform API (CONTRACT.md): every company's events, and the webhook endpoints. */
@Controller('api/platform')
@PlatformRoute()
@ApiTags('Platform: events and webhooks')
export class PlatformController {
  constructor(
    private readonly feed: EventFeedService,
    private readonly endpoints: WebhookEndpointsService,
  ) {}

  /** Every company's events (or one company's), oldest first after the cursor. */
  @Get('events')
  @ApiOkResponse({ type: EventPageView })
  listPlatformEvents(
    @Query() query: PlatformFeedQuery,
    @Req() request: Request,
  ): Promise<EventPageView> {
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

  /** Webhook endpoints, never their secrets. */
  @Get('webhook-endpoints')
  @ApiOkResponse({ type: [WebhookEndpointView] })
  listWebhookEndpoints(): Promise<WebhookEndpointView[]> {
    return this.endpoints.list();
  }

  /** Adds an endpoint; its whsec_ secret is in this answer only. */
  @Post('webhook-endpoints')
  @ApiCreatedResponse({ type: CreatedWebhookEndpointView })
  createWebhookEndpoint(
    @Body() dto: CreateWebhookEndpointDto,
    @Req() request: Request,
  ): Promise<CreatedWebhookEndpointView> {
    return this.endpoints.create(dto, platformKeyOf(request));
  }

  /** One endpoint and its status (active, failing, disabled). */
  @Get('webhook-endpoints/:id')
  @ApiOkResponse({ type: WebhookEndpointView })
  getWebhookEndpoint(@Param('id') id: string): Promise<WebhookEndpointView> {
    return this.endpoints.get(id);
  }

  /** Changes it; enabled: true resumes the queue of a failing or disabled endpoint. */
  @Patch('webhook-endpoints/:id')
  @ApiOkResponse({ type: WebhookEndpointView })
  updateWebhookEndpoint(
    @Param('id') id: string,
    @Body() dto: UpdateWebhookEndpointDto,
    @Req() request: Request,
  ): Promise<WebhookEndpointView> {
    return this.endpoints.update(id, dto, platformKeyOf(request));
  }

  /** Stops delivering to it (its queue and attempts go). */
  @Delete('webhook-endpoints/:id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted' })
  async deleteWebhookEndpoint(@Param('id') id: string, @Req() request: Request): Promise<void> {
    await this.endpoints.delete(id, platformKeyOf(request));
  }

  /** A new secret, shown once; the old one keeps signing beside it for 24 h. */
  @Post('webhook-endpoints/:id/rotate-secret')
  @HttpCode(200)
  @ApiOkResponse({ type: RotatedWebhookEndpointView })
  rotateWebhookSecret(
    @Param('id') id: string,
    @Req() request: Request,
  ): Promise<RotatedWebhookEndpointView> {
    return this.endpoints.rotateSecret(id, platformKeyOf(request));
  }

  /** Delivery attempts, newest first. */
  @Get('webhook-endpoints/:id/deliveries')
  @ApiOkResponse({ type: DeliveryPageView })
  listWebhookDeliveries(
    @Param('id') id: string,
    @Query() query: ListDeliveriesQuery,
  ): Promise<DeliveryPageView> {
    return this.endpoints.deliveries(id, query);
  }

  /** Sends a webhook.test event now; answers the attempt. */
  @Post('webhook-endpoints/:id/test')
  @HttpCode(200)
  @ApiOkResponse({ type: DeliveryAttemptView })
  testWebhookEndpoint(
    @Param('id') id: string,
    @Req() request: Request,
  ): Promise<DeliveryAttemptView> {
    return this.endpoints.test(id, platformKeyOf(request));
  }
}
