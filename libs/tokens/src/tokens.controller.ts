import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  Actor,
  actorId,
  AdminCompanyRoute,
  AppConfig,
  Audited,
  causeOf,
  CompanyId,
  CurrentActor,
  CurrentCompany,
} from '@app/common';
import { CreateTokenDto } from './dto/create-token.dto';
import { tokenView } from './scim-token.entity';
import { TokensService } from './tokens.service';

@Controller('api/companies/:companyId/scim')
@AdminCompanyRoute()
export class TokensController {
  constructor(
    private readonly tokens: TokensService,
    private readonly config: AppConfig,
  ) {}

  @Get('tokens')
  async list(@CurrentCompany() companyId: CompanyId) {
    return (await this.tokens.list(companyId)).map(tokenView);
  }

  @Post('tokens')
  @Audited('scim_token.created', ({ result }) => {
    const { id, label, prefix, expiresAt } = result as Record<string, unknown>;
    return { targetId: id as string, details: { label, prefix, expiresAt } };
  })
  async create(
    @CurrentCompany() companyId: CompanyId,
    @CurrentActor() actor: Actor,
    @Body() dto: CreateTokenDto,
  ) {
    const { entity, token } = await this.tokens.create(
      companyId,
      dto,
      actorId(actor),
      causeOf(actor),
    );
    const { id, label, prefix, status, createdAt, expiresAt } = tokenView(entity);
    return {
      id,
      label,
      prefix,
      status,
      createdAt,
      expiresAt,
      token,
      endpointUrl: this.config.scimEndpointUrl,
    };
  }

  @Post('tokens/:tokenId/revoke')
  @Audited('scim_token.revoked', ({ params }) => ({ targetId: params.tokenId }))
  @HttpCode(200)
  async revoke(
    @CurrentCompany() companyId: CompanyId,
    @CurrentActor() actor: Actor,
    @Param('tokenId') tokenId: string,
  ) {
    return tokenView(await this.tokens.revoke(companyId, tokenId, actorId(actor), causeOf(actor)));
  }

  /** Deletes the whole SCIM configuration: revokes every token and turns SCIM off. */
  @Delete()
  @Audited('scim_configuration.deleted', ({ result }) => ({
    details: result as Record<string, unknown>,
  }))
  deleteScimConfiguration(@CurrentCompany() companyId: CompanyId, @CurrentActor() actor: Actor) {
    return this.tokens.deleteScimConfiguration(companyId, actorId(actor), causeOf(actor));
  }
}
