import { Body, Controller, Get, Put, Req } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
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
import { CompanyView } from './company.view';
import { SsoConnectionView, ssoConnectionView } from './sso-connection.view';

@Controller('api/companies')
@ApiTags('Companies and SSO')
export class DirectoryController {
  constructor(private readonly sso: SsoService) {}

  /** The company picker: the companies this admin may manage. */
  @Get()
  @AdminRoute()
  @ApiOkResponse({ type: [CompanyView] })
  listCompanies(@Req() request: Request): CompanyView[] {
    return adminClaimsOf(request)
      .companies.filter((company) => MANAGING_ROLES.includes(company.role))
      .map(({ id, name, role }) => ({ id, name, role }));
  }

  /** The SSO connection and its scimEnabled flag. */
  @Get(':companyId/sso')
  @AdminCompanyRoute()
  @ApiOkResponse({ type: SsoConnectionView })
  async getSso(@CurrentCompany() companyId: CompanyId): Promise<SsoConnectionView> {
    return ssoConnectionView(companyId, await this.sso.find(companyId));
  }

  /** Configures SSO and turns SCIM on or off (without protocol: only the switch). */
  @Put(':companyId/sso')
  @Audited('sso.configured')
  @AdminCompanyRoute()
  @ApiOkResponse({ type: SsoConnectionView })
  async configureSso(
    @CurrentCompany() companyId: CompanyId,
    @CurrentActor() actor: Actor,
    @Body() dto: ConfigureSsoDto,
  ): Promise<SsoConnectionView> {
    const connection = await this.sso.configure(companyId, dto, actorId(actor));
    return ssoConnectionView(companyId, connection);
  }
}
