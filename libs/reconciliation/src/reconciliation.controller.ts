import { Body, Controller, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import {
  Actor,
  Audited,
  actorId,
  AdminCompanyRoute,
  CompanyId,
  CurrentActor,
  CurrentCompany,
} from '@app/common';
import {
  AddMemberDto,
  ListMembersQuery,
  ReconciliationSettingsDto,
  UpdateMemberDto,
} from './members.dto';
import { MemberDirectoryService } from './members.service';
import { ReconciliationService } from './reconciliation.service';
import { runView, StatusService } from './status.service';

/** The sync status card, reconciliation and the members list (admin API, CONTRACT.md). */
@Controller('api/companies/:companyId')
@AdminCompanyRoute()
export class ReconciliationController {
  constructor(
    private readonly status: StatusService,
    private readonly reconciliation: ReconciliationService,
    private readonly members: MemberDirectoryService,
  ) {}

  @Get('scim/status')
  getStatus(@CurrentCompany() companyId: CompanyId) {
    return this.status.status(companyId);
  }

  /** Runs a repair pass now; while one runs for the company, answers that one. */
  @Post('scim/reconcile')
  @Audited('reconciliation.started', ({ result }) => ({
    targetId: (result as { id: string }).id,
    details: { status: (result as { status: string }).status },
  }))
  @HttpCode(200)
  async reconcile(@CurrentCompany() companyId: CompanyId, @CurrentActor() actor: Actor) {
    return runView(await this.reconciliation.run(companyId, 'manual', 'repair', actorId(actor)));
  }

  @Get('scim/reconciliations')
  async runs(@CurrentCompany() companyId: CompanyId) {
    return (await this.reconciliation.runs(companyId)).map(runView);
  }

  @Get('scim/reconciliations/:runId/changes')
  async changes(@CurrentCompany() companyId: CompanyId, @Param('runId') runId: string) {
    return (await this.reconciliation.changes(companyId, runId)).map((change) => ({
      memberId: change.memberId,
      email: change.email,
      reason: change.reason,
      before: change.before,
      after: change.after,
      at: change.createdAt.toISOString(),
    }));
  }

  @Get('scim/reconciliation-settings')
  settings(@CurrentCompany() companyId: CompanyId) {
    return this.reconciliation.settings(companyId);
  }

  @Put('scim/reconciliation-settings')
  @Audited('reconciliation_settings.updated')
  updateSettings(@CurrentCompany() companyId: CompanyId, @Body() dto: ReconciliationSettingsDto) {
    return this.reconciliation.updateSettings(companyId, dto);
  }

  @Get('members')
  list(@CurrentCompany() companyId: CompanyId, @Query() query: ListMembersQuery) {
    return this.members.list(companyId, query);
  }

  @Post('members')
  @Audited('member.added', ({ body, result }) => ({
    targetId: (result as { id: string }).id,
    details: body,
  }))
  add(
    @CurrentCompany() companyId: CompanyId,
    @CurrentActor() actor: Actor,
    @Body() dto: AddMemberDto,
  ) {
    return this.members.add(companyId, dto, actor);
  }

  @Patch('members/:memberId')
  @Audited('member.updated', ({ params, body }) => ({ targetId: params.memberId, details: body }))
  update(
    @CurrentCompany() companyId: CompanyId,
    @Param('memberId') memberId: string,
    @CurrentActor() actor: Actor,
    @Body() dto: UpdateMemberDto,
  ) {
    return this.members.update(companyId, memberId, dto, actor);
  }
}
