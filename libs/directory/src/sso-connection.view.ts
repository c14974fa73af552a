import { CompanyId } from '@app/common';
import { SsoConnectionEntity } from './sso-connection.entity';

/** The admin API's view of a company's SSO connection (configured or not). */
export function ssoConnectionView(companyId: CompanyId, connection: SsoConnectionEntity | null) {
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
