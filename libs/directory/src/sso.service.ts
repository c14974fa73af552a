import { BadRequestException, ConflictException, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { CompanyId } from '@app/common';
import { ConfigureSsoDto } from './dto/configure-sso.dto';
import { SsoConnectionEntity } from './sso-connection.entity';

/** Whether SCIM may run for a company: SSO configured and SCIM switched on (CONTRACT.md). */
export interface ScimAvailability {
  ssoConfigured: boolean;
  scimEnabled: boolean;
}

export const SSO_REQUIRED_MESSAGE =
  'SSO is not configured for this company: configure a SAML or OIDC connection (PUT /api/companies/:companyId/sso) before turning SCIM on';

@Injectable()
export class SsoService {
  constructor(
    @InjectRepository(SsoConnectionEntity)
    private readonly connections: Repository<SsoConnectionEntity>,
  ) {}

  find(companyId: CompanyId): Promise<SsoConnectionEntity | null> {
    return this.connections.findOneBy({ companyId });
  }

  async scimAvailability(companyId: CompanyId): Promise<ScimAvailability> {
    const connection = await this.connections.findOne({
      where: { companyId },
      select: { companyId: true, scimEnabled: true },
    });
    return { ssoConfigured: connection !== null, scimEnabled: connection?.scimEnabled ?? false };
  }

  async configure(
    companyId: CompanyId,
    dto: ConfigureSsoDto,
    adminSub: string,
  ): Promise<SsoConnectionEntity> {
    return this.connections.manager.transaction(async (manager) => {
      const repository = manager.getRepository(SsoConnectionEntity);
      const existing = await repository.findOneBy({ companyId });
      const now = new Date();
      if (!dto.protocol) {
        if (!existing) {
          if (dto.scimEnabled) throw new ConflictException(SSO_REQUIRED_MESSAGE);
          throw new BadRequestException(['protocol must be one of saml, oidc, entra']);
        }
        if (dto.scimEnabled === undefined) {
          throw new BadRequestException(['scimEnabled must be a boolean']);
        }
        existing.scimEnabled = dto.scimEnabled;
        existing.updatedAt = now;
        existing.updatedBy = adminSub;
        return repository.save(existing);
      }
      const saml = dto.protocol === 'saml';
      return repository.save(
        repository.create({
          companyId,
          protocol: dto.protocol,
          entityId: saml ? dto.entityId! : null,
          ssoUrl: saml ? dto.ssoUrl! : null,
          issuer: saml ? null : dto.issuer!,
          clientId: saml ? null : dto.clientId!,
          scimEnabled: dto.scimEnabled ?? false,
          createdAt: existing?.createdAt ?? now,
          updatedAt: now,
          updatedBy: adminSub,
        }),
      );
    });
  }

  /** Turns SCIM off inside the caller's transaction (deleting the SCIM configuration). */
  async disableScim(manager: EntityManager, companyId: CompanyId, adminSub: string): Promise<void> {
    await manager
      .getRepository(SsoConnectionEntity)
      .update({ companyId }, { scimEnabled: false, updatedAt: new Date(), updatedBy: adminSub });
  }
}
