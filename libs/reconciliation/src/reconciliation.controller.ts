import { Body, Controller, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import {
  Actor,
  ApiErrors,
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
  PreviewReconciliationQuery,
  ReconcileDto,
  ReconciliationSettingsDto,
  UpdateMemberDto,
} from './members.dto';
import { MemberDirectoryService } from './members.service';
import { ReconciliationService } from './reconciliation.service';
import {
  MemberPageView,
  MemberView,
  ReconciliationChangeView,
  ReconciliationPreviewView,
  ReconciliationRunView,
  ReconciliationSettingsView,
  SyncStatusView,
} from './reconciliation.view';
import { runView, StatusService } from './status.service';

/** The sync status card, reconciliation and the members list (admin API, CONTRACT.md). */
@Controller('api/companies/:companyId')
@AdminCompanyRoute()
@ApiTags('Sync status, reconciliation and members')
export class ReconciliationController {
  constructor(
    private readonly status: StatusService,
    private readonly reconciliation: ReconciliationService,
    private readonly members: MemberDirectoryService,
  ) {}

  /** The sync status card. */
  @Get('scim/status')
  @ApiOkResponse({ type: SyncStatusView })
  getSyncStatus(@CurrentCompany() companyId: CompanyId): Promise<SyncStatusView> {
    return this.status.status(companyId);
  }

  /**
   * Runs a reconciliation pass now; while one runs for the company, answers that one. With
   * `preview`, applies exactly what that preview showed, or answers 409 if it moved since.
   */
  @Post('scim/reconcile')
  @ApiOkResponse({ type: ReconciliationRunView })
  @ApiErrors({ 409: 'What the preview showed has moved since (preview again)' })
  @ApiBody({ type: ReconcileDto, required: false })
  @Audited('reconciliation.started', ({ result }) => ({
    targetId: (result as { id: string }).id,
    details: { status: (result as { status: string }).status },
  }))
  @HttpCode(200)
  async reconcile(
    @CurrentCompany() companyId: CompanyId,
    @CurrentActor() actor: Actor,
    @Body() dto: ReconcileDto,
  ): Promise<ReconciliationRunView> {
    return runView(
      await this.reconciliation.run(companyId, 'manual', 'repair', actorId(actor), dto.preview),
    );
  }

  /** What a Reconcile would change now, member by member; nothing changes (a dry run). */
  @Get('scim/reconcile/preview')
  @ApiOkResponse({ type: ReconciliationPreviewView })
  previewReconciliation(
    @CurrentCompany() companyId: CompanyId,
    @Query() query: PreviewReconciliationQuery,
  ): Promise<ReconciliationPreviewView> {
    return this.reconciliation.preview(companyId, { limit: query.limit ?? 50, after: query.after });
  }

  /** Past reconciliation runs, newest first. */
  @Get('scim/reconciliations')
  @ApiOkResponse({ type: [ReconciliationRunView] })
  async listReconciliations(
    @CurrentCompany() companyId: CompanyId,
  ): Promise<ReconciliationRunView[]> {
    return (await this.reconciliation.runs(companyId)).map(runView);
  }

  /** Every change a run made. */
  @Get('scim/reconciliations/:runId/changes')
  @ApiOkResponse({ type: [ReconciliationChangeView] })
  async listReconciliationChanges(
    @CurrentCompany() companyId: CompanyId,
    @Param('runId') runId: string,
  ): Promise<ReconciliationChangeView[]> {
    return (await this.reconciliation.changes(companyId, runId)).map((change) => ({
      memberId: change.memberId,
      email: change.email,
      reason: change.reason,
      before: change.before,
      after: change.after,
      at: change.createdAt.toISOString(),
    }));
  }

  /** Whether scheduled runs repair, and the orphan policy. */
  @Get('scim/reconciliation-settings')
  @ApiOkResponse({ type: ReconciliationSettingsView })
  getReconciliationSettings(
    @CurrentCompany() companyId: CompanyId,
  ): Promise<ReconciliationSettingsView> {
    return this.reconciliation.settings(companyId);
  }

  /** Changes the reconciliation settings. */
  @Put('scim/reconciliation-settings')
  @ApiOkResponse({ type: ReconciliationSettingsView })
  @Audited('reconciliation_settings.updated')
  updateReconciliationSettings(
    @CurrentCompany() companyId: CompanyId,
    @Body() dto: ReconciliationSettingsDto,
  ): Promise<ReconciliationSettingsView> {
    return this.reconciliation.updateSettings(companyId, dto);
  }

  /** Members, filtered and paged (ordered by email). */
  @Get('members')
  @ApiOkResponse({ type: MemberPageView })
  listMembers(
    @CurrentCompany() companyId: CompanyId,
    @Query() query: ListMembersQuery,
  ): Promise<MemberPageView> {
    return this.members.list(companyId, query);
  }

  /** Adds a member who came in outside SCIM (an invitation, an SSO sign-in). */
  @Post('members')
  @ApiCreatedResponse({ type: MemberView })
  @ApiErrors({ 409: 'A member with this email exists' })
  @Audited('member.added', ({ body, result }) => ({
    targetId: (result as { id: string }).id,
    details: body,
  }))
  addMember(
    @CurrentCompany() companyId: CompanyId,
    @CurrentActor() actor: Actor,
    @Body() dto: AddMemberDto,
  ): Promise<MemberView> {
    return this.members.add(companyId, dto, actor);
  }

  /** Changes status or role outside SCIM (drift on a managed member). */
  @Patch('members/:memberId')
  @ApiOkResponse({ type: MemberView })
  @Audited('member.updated', ({ params, body }) => ({ targetId: params.memberId, details: body }))
  updateMember(
    @CurrentCompany() companyId: CompanyId,
    @Param('memberId') memberId: string,
    @CurrentActor() actor: Actor,
    @Body() dto: UpdateMemberDto,
  ): Promise<MemberView> {
    return this.members.update(companyId, memberId, dto, actor);
  }
}
