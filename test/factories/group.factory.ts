import { randomUUID } from 'node:crypto';
import { ScimClient } from '../support/scim-client';

export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/** A Group body as Okta creates one. */
export function oktaGroup(overrides: Record<string, unknown> = {}) {
  return {
    schemas: [GROUP_SCHEMA],
    displayName: `Group ${randomUUID().slice(0, 8)}`,
    members: [],
    ...overrides,
  };
}

export async function createGroup(scim: ScimClient, body: Record<string, unknown> = oktaGroup()) {
  const response = await scim.post('/Groups', body).expect(201);
  return response.body as { id: string; displayName: string } & Record<string, unknown>;
}
