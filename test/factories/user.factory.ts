import { randomUUID } from 'node:crypto';
import { ScimClient, USER_SCHEMA } from '../support/scim-client';

/** A User body the way Okta creates one (its SCIM 2.0 documentation). */
export function oktaUser(overrides: Record<string, unknown> = {}) {
  const id = randomUUID().slice(0, 8);
  return {
    schemas: [USER_SCHEMA],
    userName: `user.${id}@example.com`,
    name: { givenName: 'Test', familyName: `User${id}` },
    emails: [{ primary: true, value: `user.${id}@example.com`, type: 'work' }],
    displayName: `Test User${id}`,
    locale: 'en-US',
    externalId: `00u${id}`,
    groups: [],
    password: 'tlpWENT2m',
    active: true,
    ...overrides,
  };
}

/** A User body the way Microsoft Entra ID creates one (its SCIM provisioning documentation). */
export function entraUser(overrides: Record<string, unknown> = {}) {
  const id = randomUUID().slice(0, 8);
  return {
    schemas: [USER_SCHEMA, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
    externalId: `${id}`,
    userName: `Test_User_${id}@testuser.com`,
    active: true,
    emails: [{ primary: true, type: 'work', value: `Test_User_${id}@testuser.com` }],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
    ...overrides,
  };
}

export async function createUser(scim: ScimClient, body: Record<string, unknown> = oktaUser()) {
  const response = await scim.post('/Users', body).expect(201);
  return response.body as { id: string; userName: string; meta: { version: string } } & Record<
    string,
    unknown
  >;
}
