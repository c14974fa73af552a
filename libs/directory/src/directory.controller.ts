import { Body, Controller, Get, Put, Req } from '@nestjs/common';
import type { Request } from 'express';
import {
  Actor,
  Audited,
  actorId,
  AdminCompanyRoute,
  AdminRoute,
  adminClaimsOf,
  CompanyId,
  CurrentActor,
  CurrentCompany,
  MANAGING_ROLES,
} from '@app/common';
import { ConfigureSsoDto } from './dto/configure-sso.dto';
import { SsoService } from './sso.service';
import { ssoConnectionView } from './sso-connection.view';

@Controller('api/companies')
export class DirectoryController {
  constructor(private readonly sso: SsoService) {}

  /** The company picker: the companies this admin may manage. */
  @Get()
  @AdminRoute()
  listCompanies(@Req() request: Request) {
    return adminClaimsOf(request)
      .companies.filter((company) => MANAGING_ROLES.includes(company.role))
      .map(({ id, name, role }) => ({ id, name, role }));
  }

  @Get(':companyId/sso')
  @AdminCompanyRoute()
  async getSso(@CurrentCompany() companyId: CompanyId) {
    return ssoConnectionView(companyId, await this.sso.find(companyId));
  }

  @Put(':companyId/sso')
  @Audited('sso.configured')
  @AdminCompanyRoute()
  async configureSso(
    @CurrentCompany() companyId: CompanyId,
    @CurrentActor() actor: Actor,
    @Body() dto: ConfigureSsoDto,
  ) {
    const connection = await this.sso.configure(companyId, dto, actorId(actor));
    return ssoConnectionView(companyId, connection);
  }
}
