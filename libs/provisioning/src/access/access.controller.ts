import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  Actor,
  ApiErrors,
  Audited,
  AdminCompanyRoute,
  CompanyId,
  CurrentActor,
  CurrentCompany,
  rawQuery,
} from '@app/common';
import { foldCase } from '@app/scim-protocol';
import { AccessPolicy, AccessService } from './access.service';
import {
  CreateGroupMappingDto,
  ListScimGroupsQuery,
  PreviewAccessChangeDto,
  UpdateAccessPolicyDto,
} from './access.dto';
import { GroupRoleMappingEntity } from './access.entities';
import {
  AccessPolicyView,
  AccessPreviewMemberView,
  AccessPreviewView,
  GroupMappingView,
  ScimGroupSuggestionView,
} from './access.view';

function mappingView(mapping: GroupRoleMappingEntity): GroupMappingView {
  return {
    id: mapping.id,
    groupId: mapping.groupId,
    displayName: mapping.displayName,
    role: mapping.role,
    createdAt: mapping.createdAt.toISOString(),
    createdBy: mapping.createdBy,
  };
}

function policyView(policy: AccessPolicy): AccessPolicyView {
  return {
    defaultRole: policy.defaultRole,
    requireGroupMembership: policy.requireGroupMembership,
    mappings: policy.mappings.map(mappingView),
  };
}

/** Group-based access and roles for provisioned people (admin API). */
@Controller('api/companies/:companyId/scim')
@AdminCompanyRoute()
@ApiTags('Group-based access')
export class AccessController {
  constructor(
    private readonly access: AccessService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Group-based access: default role, required membership, mappings. */
  @Get('access')
  @ApiOkResponse({ type: AccessPolicyView })
  async getAccessPolicy(@CurrentCompany() companyId: CompanyId): Promise<AccessPolicyView> {
    return policyView(await this.access.policy(this.dataSource.manager, companyId));
  }

  /** Changes the policy; every managed member is decided again. */
  @Put('access')
  @ApiOkResponse({ type: AccessPolicyView })
  @ApiErrors({ 409: 'Requiring group membership with no mapping' })
  @Audited('access_policy.updated')
  async updateAccessPolicy(
    @CurrentCompany() companyId: CompanyId,
    @CurrentActor() actor: Actor,
    @Body() dto: UpdateAccessPolicyDto,
  ): Promise<AccessPolicyView> {
    return policyView(await this.access.setPolicy(companyId, dto, actor));
  }

  /** Gives a role to the members of a SCIM group (by id or displayName). */
  @Post('group-mappings')
  @ApiCreatedResponse({ type: GroupMappingView })
  @Audited('group_mapping.created', ({ body, result }) => ({
    targetId: (result as { id: string }).id,
    details: body,
  }))
  async createGroupMapping(
    @CurrentCompany() companyId: CompanyId,
    @CurrentActor() actor: Actor,
    @Body() dto: CreateGroupMappingDto,
  ): Promise<GroupMappingView> {
    return mappingView(await this.access.addMapping(companyId, dto, actor));
  }

  /** Removes a mapping. */
  @Delete('group-mappings/:mappingId')
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiErrors({ 409: 'The last mapping while membership is required' })
  @Audited('group_mapping.deleted', ({ params }) => ({ targetId: params.mappingId }))
  @HttpCode(204)
  async deleteGroupMapping(
    @CurrentCompany() companyId: CompanyId,
    @CurrentActor() actor: Actor,
    @Param('mappingId') mappingId: string,
  ): Promise<void> {
    await this.access.removeMapping(companyId, mappingId, actor);
  }

  /**
   * What a change of the policy or the mappings would do to the members ("this change
   * suspends 12 members"), before it is saved: the change rehearsed and rolled back.
   */
  @Post('access/preview')
  @HttpCode(200)
  @ApiOkResponse({ type: AccessPreviewView })
  @ApiErrors({ 409: 'The change itself would be refused (as saving it would)' })
  async previewAccessChange(
    @CurrentCompany() companyId: CompanyId,
    @CurrentActor() actor: Actor,
    @Body() dto: PreviewAccessChangeDto,
  ): Promise<AccessPreviewView> {
    const given = [dto.policy, dto.addMapping, dto.removeMappingId].filter((x) => x !== undefined);
    if (given.length !== 1)
      throw new BadRequestException(['give exactly one of policy, addMapping, removeMappingId']);
    const events = await this.access.preview(companyId, dto, actor);
    const members: AccessPreviewMemberView[] = [];
    const counts = { revoked: 0, granted: 0, roleChanged: 0 };
    for (const event of events) {
      const data = event.data as Record<string, string | undefined>;
      const change =
        event.type === 'member.access_revoked'
          ? 'revoked'
          : event.type === 'member.access_granted'
            ? 'granted'
            : event.type === 'member.role_changed'
              ? 'role_changed'
              : undefined;
      if (!change) continue;
      counts[change === 'role_changed' ? 'roleChanged' : change] += 1;
      if (members.length < 100)
        members.push({
          memberId: data.memberId!,
          email: data.email!,
          change,
          status: data.status ?? null,
          previousStatus: data.previousStatus ?? null,
          role: data.role ?? null,
          previousRole: data.previousRole ?? null,
        });
    }
    return { ...counts, members };
  }

  /** SCIM groups whose displayName starts with `search`, for mapping them by name. */
  @Get('groups')
  @ApiOkResponse({ type: [ScimGroupSuggestionView] })
  async listScimGroups(
    @CurrentCompany() companyId: CompanyId,
    @Query() query: ListScimGroupsQuery,
  ): Promise<ScimGroupSuggestionView[]> {
    // A range on the folded name: the (companyId, displayNameKey) index, in its order.
    const prefix = foldCase(query.search?.trim() ?? '');
    const rows = await rawQuery<{ id: string; displayName: string; memberCount: number }>(
      this.dataSource,
      `SELECT "id", "displayName", "memberCount" FROM "scim_groups"
        WHERE "companyId" = $1 AND "displayNameKey" >= $2 AND "displayNameKey" < $3
        ORDER BY "displayNameKey" LIMIT $4`,
      [companyId, prefix, `${prefix}\u{10FFFF}`, query.limit ?? 20],
    );
    return rows.map((row) => ({ ...row, memberCount: Number(row.memberCount) }));
  }
}
