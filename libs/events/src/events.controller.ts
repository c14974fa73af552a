import { Controller, Get, Query, Req } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { AdminCompanyRoute, CompanyId, CurrentCompany } from '@app/common';
import { EventFeedService } from './event-feed.service';
import { CompanyFeedQuery } from './events.dto';
import { EventPageView } from './events.view';

/** A company admin reads the company's own events (CONTRACT.md "Platform API"). */
@Controller('api/companies/:companyId/events')
@AdminCompanyRoute()
@ApiTags('Events')
export class CompanyEventsController {
  constructor(private readonly feed: EventFeedService) {}

  /** The company's events, by sequence, after the cursor (long poll with wait). */
  @Get()
  @ApiOkResponse({ type: EventPageView })
  listCompanyEvents(
    @CurrentCompany() companyId: CompanyId,
    @Query() query: CompanyFeedQuery,
    @Req() request: Request,
  ): Promise<EventPageView> {
    return this.feed.company(
      companyId,
      { after: query.after, limit: query.limit ?? 100, types: query.type, wait: query.wait },
      closedBy(request),
    );
  }
}

/** Whether the client went away (a long poll stops waiting for it). */
export function closedBy(request: Request): () => boolean {
  let closed = false;
  request.once('close', () => (closed = true));
  return () => closed;
}
