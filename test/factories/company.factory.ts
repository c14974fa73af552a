import { randomUUID } from 'node:crypto';
import { adminJwt, TestApp } from '../support/test-app';

/** A company id no other test uses, so suites can share one PostgreSQL database. */
export function newCompanyId(prefix = 'co'): string {
  return `${prefix}-${randomUUID().slice(0, 13)}`;
}

export interface ScimCompany {
  companyId: string;
  /** An owner's admin JWT for this company. */
  admin: string;
  /** A live provisioning token. */
  scimToken: string;
  tokenId: string;
}

export const SAML_CONNECTION = {
  protocol: 'saml',
  entityId: 'http://www.okta.com/exk1example',
  ssoUrl: 'https://example.okta.com/app/example/sso/saml',
};

/** A company with SSO configured, SCIM on and one provisioning token: what an IdP talks to. */
export async function scimCompany(t: TestApp, label = 'Okta'): Promise<ScimCompany> {
  const companyId = newCompanyId();
  // Each company has its own owner (rate limits count per admin `sub`).
  const admin = await adminJwt(t.config, [{ id: companyId, role: 'owner' }], {
    sub: `owner-of-${companyId}`,
  });
  await t.http
    .put(`/api/companies/${companyId}/sso`)
    .set('Authorization', `Bearer ${admin}`)
    .send({ ...SAML_CONNECTION, scimEnabled: true })
    .expect(200);
  const created = await t.http
    .post(`/api/companies/${companyId}/scim/tokens`)
    .set('Authorization', `Bearer ${admin}`)
    .send({ label })
    .expect(201);
  return { companyId, admin, scimToken: created.body.token, tokenId: created.body.id };
}
