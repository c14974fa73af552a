import { ApiProperty } from '@nestjs/swagger';
import { CompanyId } from '@app/common';
import { SsoConnectionEntity, SsoProtocol } from './sso-connection.entity';

/** A company's SSO connection (configured or not) and its SCIM switch. */
export class SsoConnectionView {
  companyId: string;
  configured: boolean;
  protocol: SsoProtocol | null;
  entityId: string | null;
  @ApiProperty({ format: 'uri' })
  ssoUrl: string | null;
  @ApiProperty({ format: 'uri' })
  issuer: string | null;
  clientId: string | null;
  scimEnabled: boolean;
  @ApiProperty({ format: 'date-time' })
  updatedAt: string | null;
  updatedBy: string | null;
}

/** The admin API's view of a company's SSO connection (configured or not). */
export function ssoConnectionView(
  companyId: CompanyId,
  connection: SsoConnectionEntity | null,
): SsoConnectionView {
  return {
    companyId,
    configured: connection !== null,
    protocol: connection?.protocol ?? null,
    entityId: connection?.entityId ?? null,
    ssoUrl: connection?.ssoUrl ?? null,
    issuer: connection?.issuer ?? null,
    clientId: connection?.clientId ?? null,
    scimEnabled: connection?.scimEnabled ?? false,
    updatedAt: connection?.updatedAt.toISOString() ?? null,
    updatedBy: connection?.updatedBy ?? null,
  };
}
