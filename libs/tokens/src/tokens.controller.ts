import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import {
  Actor,
  ApiErrors,
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
import { CreatedTokenView, ScimConfigurationDeletedView, TokenView } from './token.view';

@Controller('api/companies/:companyId/scim')
@AdminCompanyRoute()
@ApiTags('Provisioning tokens')
export class TokensController {
  constructor(
    private readonly tokens: TokensService,
    private readonly config: AppConfig,
  ) {}

  /** Provisioning tokens, never their secrets. */
  @Get('tokens')
  @ApiOkResponse({ type: [TokenView] })
  async listTokens(@CurrentCompany() companyId: CompanyId): Promise<TokenView[]> {
    return (await this.tokens.list(companyId)).map(tokenView);
  }

  /** Creates a provisioning token; its secret is in this answer only. */
  @Post('tokens')
  @ApiCreatedResponse({ type: CreatedTokenView })
  @ApiErrors({ 409: 'SSO not configured or SCIM off' })
  @Audited('scim_token.created', ({ result }) => {
    const { id, label, prefix, expiresAt } = result as Record<string, unknown>;
    return { targetId: id as string, details: { label, prefix, expiresAt } };
  })
  async createToken(
    @CurrentCompany() companyId: CompanyId,
    @CurrentActor() actor: Actor,
    @Body() dto: CreateTokenDto,
  ): Promise<CreatedTokenView> {
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

  /** Revokes a token at once. */
  @Post('tokens/:tokenId/revoke')
  @ApiOkResponse({ type: TokenView })
  @Audited('scim_token.revoked', ({ params }) => ({ targetId: params.tokenId }))
  @HttpCode(200)
  async revokeToken(
    @CurrentCompany() companyId: CompanyId,
    @CurrentActor() actor: Actor,
    @Param('tokenId') tokenId: string,
  ): Promise<TokenView> {
    return tokenView(await this.tokens.revoke(companyId, tokenId, actorId(actor), causeOf(actor)));
  }

  /** Deletes the whole SCIM configuration: revokes every token and turns SCIM off. */
  @Delete()
  @ApiOkResponse({ type: ScimConfigurationDeletedView })
  @Audited('scim_configuration.deleted', ({ result }) => ({
    details: result as Record<string, unknown>,
  }))
  deleteScimConfiguration(
    @CurrentCompany() companyId: CompanyId,
    @CurrentActor() actor: Actor,
  ): Promise<ScimConfigurationDeletedView> {
    return this.tokens.deleteScimConfiguration(companyId, actorId(actor), causeOf(actor));
  }
}
