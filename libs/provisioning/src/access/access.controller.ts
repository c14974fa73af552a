import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  Actor,
  Audited,
  AdminCompanyRoute,
  CompanyId,
  CurrentActor,
  CurrentCompany,
} from '@app/common';
import { AccessPolicy, AccessService } from './access.service';
import { CreateGroupMappingDto, UpdateAccessPolicyDto } from './access.dto';
import { GroupRoleMappingEntity } from './access.entities';

function mappingView(mapping: GroupRoleMappingEntity) {
  return {
    id: mapping.id,
    groupId: mapping.groupId,
    displayName: mapping.displayName,
    role: mapping.role,
    createdAt: mapping.createdAt.toISOString(),
    createdBy: mapping.createdBy,
  };
}

function policyView(policy: AccessPolicy) {
  return {
    defaultRole: policy.defaultRole,
    requireGroupMembership: policy.requireGroupMembership,
    mappings: policy.mappings.map(mappingView),
  };
}

/** Group-based access and roles for provisioned people (admin API). */
@Controller('api/companies/:companyId/scim')
@AdminCompanyRoute()
export class AccessController {
  constructor(
    private readonly access: AccessService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  @Get('access')
  async get(@CurrentCompany() companyId: CompanyId) {
    return policyView(await this.access.policy(this.dataSource.manager, companyId));
  }

  @Put('access')
  @Audited('access_policy.updated')
  async update(
    @CurrentCompany() companyId: CompanyId,
    @CurrentActor() actor: Actor,
    @Body() dto: UpdateAccessPolicyDto,
  ) {
    return policyView(await this.access.setPolicy(companyId, dto, actor));
  }

  @Post('group-mappings')
  @Audited('group_mapping.created', ({ body, result }) => ({
    targetId: (result as { id: string }).id,
    details: body,
  }))
  async map(
    @CurrentCompany() companyId: CompanyId,
    @CurrentActor() actor: Actor,
    @Body() dto: CreateGroupMappingDto,
  ) {
    return mappingView(await this.access.addMapping(companyId, dto, actor));
  }

  @Delete('group-mappings/:mappingId')
  @Audited('group_mapping.deleted', ({ params }) => ({ targetId: params.mappingId }))
  @HttpCode(204)
  async unmap(
    @CurrentCompany() companyId: CompanyId,
    @CurrentActor() actor: Actor,
    @Param('mappingId') mappingId: string,
  ) {
    await this.access.removeMapping(companyId, mappingId, actor);
  }
}
