import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminCompanyRoute, CompanyId, CurrentCompany } from '@app/common';
import { auditEventView } from './audit-event.entity';
import { AuditPageView } from './audit-event.view';
import { AuditService } from './audit.service';
import { ListAuditEventsQuery } from './list-audit-events.query';

/** The company's audit log of admin actions, newest first. */
@Controller('api/companies/:companyId/audit-events')
@AdminCompanyRoute()
@ApiTags('Audit log')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  /** The audit log of admin actions, newest first. */
  @Get()
  @ApiOkResponse({ type: AuditPageView })
  async listAuditEvents(
    @CurrentCompany() companyId: CompanyId,
    @Query() query: ListAuditEventsQuery,
  ): Promise<AuditPageView> {
    const page = await this.audit.list(companyId, {
      limit: query.limit ?? 50,
      before: query.before,
      action: query.action,
    });
    return { items: page.items.map(auditEventView), nextBefore: page.nextBefore };
  }
}
