import { Controller, Get, Query } from '@nestjs/common';
import { AdminCompanyRoute, CompanyId, CurrentCompany } from '@app/common';
import { auditEventView } from './audit-event.entity';
import { AuditService } from './audit.service';
import { ListAuditEventsQuery } from './list-audit-events.query';

/** The company's audit log of admin actions, newest first. */
@Controller('api/companies/:companyId/audit-events')
@AdminCompanyRoute()
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  async list(@CurrentCompany() companyId: CompanyId, @Query() query: ListAuditEventsQuery) {
    const page = await this.audit.list(companyId, {
      limit: query.limit ?? 50,
      before: query.before,
      action: query.action,
    });
    return { items: page.items.map(auditEventView), nextBefore: page.nextBefore };
  }
}
