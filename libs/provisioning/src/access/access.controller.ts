import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
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
} from '@app/common';
import { AccessPolicy, AccessService } from './access.service';
import { CreateGroupMappingDto, UpdateAccessPolicyDto } from './access.dto';
import { GroupRoleMappingEntity } from './access.entities';
import { AccessPolicyView, GroupMappingView } from './access.view';

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
}
