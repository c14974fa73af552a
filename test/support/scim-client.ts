import { TestApp } from './test-app';

const BASE = '/api/scim/v2';

/** Requests as an identity provider sends them: bearer token, application/scim+json. */
export function scimClient(t: TestApp, token: string) {
  const auth = (request: import('supertest').Test) =>
    request.set('Authorization', `Bearer ${token}`).set('Accept', 'application/scim+json');
  const withBody = (request: import('supertest').Test, body: unknown) =>
    auth(request).set('Content-Type', 'application/scim+json').send(JSON.stringify(body));
  return {
    get: (path: string) => auth(t.http.get(`${BASE}${path}`)),
    post: (path: string, body: unknown) => withBody(t.http.post(`${BASE}${path}`), body),
    put: (path: string, body: unknown) => withBody(t.http.put(`${BASE}${path}`), body),
    patch: (path: string, body: unknown) => withBody(t.http.patch(`${BASE}${path}`), body),
    delete: (path: string) => auth(t.http.delete(`${BASE}${path}`)),
  };
}

export type ScimClient = ReturnType<typeof scimClient>;

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** PATCH bodies as IdPs send them. */
export function patchOp(...Operations: { op: string; path?: string; value?: unknown }[]) {
  return { schemas: [PATCH_SCHEMA], Operations };
}
