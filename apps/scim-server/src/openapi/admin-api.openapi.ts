import { EVENT_TYPES, TEST_EVENT_TYPE } from '@app/events';

/**
 * The OpenAPI 3.1 description of the admin API (CONTRACT.md's routes and this service's
 * additions), served at `GET /api/openapi.json`. Written by hand, so it says what a reader
 * needs; test/openapi.e2e-spec.ts keeps it in step with the code: every admin route is here
 * and nothing else, request bodies and query parameters name exactly the DTOs' fields, and
 * real answers validate against the response schemas (which refuse unknown properties).
 */

type Schema = Record<string, unknown>;

const string = (extra: Schema = {}): Schema => ({ type: 'string', ...extra });
const nullable = (schema: Schema): Schema => ({
  ...schema,
  type: [schema.type as string, 'null'],
  ...(Array.isArray(schema.enum) ? { enum: [...(schema.enum as unknown[]), null] } : {}),
});
const dateTime = string({ format: 'date-time' });
const oneOf = (...values: string[]): Schema => ({ type: 'string', enum: values });
const role = oneOf('owner', 'admin', 'member');
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
/** A response object: every listed property present, and no other. */
const object = (properties: Record<string, Schema>, description?: string): Schema => ({
  type: 'object',
  ...(description ? { description } : {}),
  properties,
  required: Object.keys(properties),
  additionalProperties: false,
});
/** A request body: the listed fields, those in `required` mandatory, no other (400). */
const input = (properties: Record<string, Schema>, required: string[] = []): Schema => ({
  type: 'object',
  properties,
  ...(required.length > 0 ? { required } : {}),
  additionalProperties: false,
});
const arrayOf = (items: Schema): Schema => ({ type: 'array', items });
const counts = { type: 'object', additionalProperties: { type: 'integer' } };

const webhookEndpoint: Record<string, Schema> = {
  id: string({ format: 'uuid' }),
  url: string({ format: 'uri' }),
  description: nullable(string()),
  eventTypes: nullable(arrayOf(oneOf(...EVENT_TYPES))),
  companyId: nullable(string()),
  enabled: { type: 'boolean' },
  status: oneOf('active', 'failing', 'disabled'),
  statusReason: nullable(string()),
  createdAt: dateTime,
  updatedAt: dateTime,
};

const schemas: Record<string, Schema> = {
  Company: object({ id: string(), name: string(), role }),
  SsoConnection: object({
    companyId: string(),
    configured: { type: 'boolean' },
    protocol: nullable(oneOf('saml', 'oidc', 'entra')),
    entityId: nullable(string()),
    ssoUrl: nullable(string({ format: 'uri' })),
    issuer: nullable(string({ format: 'uri' })),
    clientId: nullable(string()),
    scimEnabled: { type: 'boolean' },
    updatedAt: nullable(dateTime),
    updatedBy: nullable(string()),
  }),
  Token: object(
    {
      id: string({ format: 'uuid' }),
      label: string(),
      prefix: string({ description: 'The first characters of the secret, to recognise it' }),
      status: oneOf('active', 'revoked', 'expired'),
      createdAt: dateTime,
      createdBy: string(),
      lastUsedAt: nullable(dateTime),
      expiresAt: nullable(dateTime),
      revokedAt: nullable(dateTime),
      revokedBy: nullable(string()),
    },
    'A provisioning token; never its secret',
  ),
  CreatedToken: object(
    {
      id: string({ format: 'uuid' }),
      label: string(),
      prefix: string(),
      status: oneOf('active'),
      createdAt: dateTime,
      expiresAt: nullable(dateTime),
      token: string({ description: 'The secret: shown in this answer only, stored as a hash' }),
      endpointUrl: string({ format: 'uri' }),
    },
    'A new token with its secret, shown once',
  ),
  ScimConfigurationDeleted: object({
    scimEnabled: { type: 'boolean', const: false },
    revokedTokens: { type: 'integer' },
  }),
  ReconciliationRun: object({
    id: string({ format: 'uuid' }),
    trigger: oneOf('manual', 'scheduled'),
    mode: oneOf('repair', 'detect'),
    status: oneOf('running', 'succeeded', 'failed'),
    startedAt: dateTime,
    finishedAt: nullable(dateTime),
    staleFound: { type: 'integer' },
    fixed: { type: 'integer' },
    countsByReason: counts,
    error: nullable(string()),
    startedBy: nullable(string()),
  }),
  ReconciliationChange: object({
    memberId: string({ format: 'uuid' }),
    email: string(),
    reason: string(),
    before: { type: 'object' },
    after: { type: 'object' },
    at: dateTime,
  }),
  ReconciliationSettings: object({
    autoRepair: { type: 'boolean' },
    orphanPolicy: oneOf('release', 'suspend'),
  }),
  SyncStatus: object(
    {
      enabled: { type: 'boolean' },
      ssoConfigured: { type: 'boolean' },
      status: oneOf('disabled', 'never_synced', 'healthy', 'error'),
      lastSyncAt: nullable(dateTime),
      lastSyncError: {
        oneOf: [
          { type: 'null' },
          object({
            detail: string(),
            status: { type: 'integer' },
            at: dateTime,
            requestId: nullable(string()),
            method: string(),
            resourceType: string(),
          }),
        ],
      },
      managedMemberships: { type: 'integer' },
      staleMemberships: { type: 'integer' },
      staleByReason: counts,
      warnings: arrayOf({
        type: 'object',
        description:
          'users_without_email: SCIM users linked to nobody; unknown_group_members: group member ids skipped in the last 24 hours, with the latest',
        properties: {
          code: oneOf('users_without_email', 'unknown_group_members'),
          count: { type: 'integer' },
          detail: string(),
          latest: object({
            detail: nullable(string()),
            at: dateTime,
            requestId: nullable(string()),
            method: string(),
            resourceType: string(),
            resourceId: nullable(string()),
          }),
        },
        required: ['code', 'count', 'detail'],
        additionalProperties: false,
      }),
      endpointUrl: string({ format: 'uri' }),
      lastReconciliation: { oneOf: [{ type: 'null' }, ref('ReconciliationRun')] },
    },
    'The sync status card (README: "Sync status rules")',
  ),
  Member: object({
    id: string({ format: 'uuid' }),
    email: string(),
    role,
    status: oneOf('active', 'suspended', 'deprovisioned'),
    source: oneOf('manual', 'sso', 'scim'),
    managed: { type: 'boolean' },
    scimUserId: nullable(string()),
    stale: { type: 'boolean' },
    staleReason: nullable(string()),
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
  MemberPage: object({
    total: { type: 'integer' },
    limit: { type: 'integer' },
    offset: { type: 'integer' },
    items: arrayOf(ref('Member')),
  }),
  GroupMapping: object({
    id: string({ format: 'uuid' }),
    groupId: nullable(string()),
    displayName: nullable(string()),
    role,
    createdAt: dateTime,
    createdBy: nullable(string()),
  }),
  AccessPolicy: object({
    defaultRole: role,
    requireGroupMembership: { type: 'boolean' },
    mappings: arrayOf(ref('GroupMapping')),
  }),
  AuditEvent: object({
    id: string({ format: 'uuid' }),
    action: string({ examples: ['scim_token.created'] }),
    actor: object({ id: string(), email: nullable(string()) }),
    targetId: nullable(string()),
    details: { type: 'object' },
    requestId: nullable(string()),
    at: dateTime,
  }),
  AuditPage: object({
    items: arrayOf(ref('AuditEvent')),
    nextBefore: nullable(string({ format: 'uuid' })),
  }),
  Event: object(
    {
      id: string({ format: 'uuid', description: 'Also the webhook-id of every delivery of it' }),
      type: oneOf(...EVENT_TYPES, TEST_EVENT_TYPE),
      companyId: nullable(string()),
      occurredAt: dateTime,
      sequence: {
        type: 'integer',
        description: 'Increases with commit order within the company, without gaps',
      },
      data: { type: 'object', description: 'CONTRACT.md "Events" lists it per type' },
    },
    'An access event (CONTRACT.md "Events")',
  ),
  EventPage: object({
    data: arrayOf(ref('Event')),
    nextCursor: string({ description: 'Pass as `after` for the next page' }),
  }),
  WebhookEndpoint: object(webhookEndpoint),
  CreatedWebhookEndpoint: object({
    ...webhookEndpoint,
    secret: string({ pattern: '^whsec_', description: 'In this answer only' }),
  }),
  RotatedWebhookEndpoint: object({
    ...webhookEndpoint,
    secret: string({ pattern: '^whsec_', description: 'In this answer only' }),
    previousSecretExpiresAt: dateTime,
  }),
  DeliveryAttempt: object({
    id: string({ format: 'uuid' }),
    eventId: string({ format: 'uuid' }),
    eventType: string(),
    attempt: { type: 'integer', minimum: 1 },
    outcome: oneOf('delivered', 'failed', 'gone', 'refused'),
    status: nullable({ type: 'integer' }),
    durationMs: { type: 'integer' },
    error: nullable(string()),
    responseBody: nullable(string({ description: 'The first 1 KB of the answer' })),
    startedAt: dateTime,
  }),
  DeliveryPage: object({
    items: arrayOf(ref('DeliveryAttempt')),
    nextBefore: nullable(string({ format: 'uuid' })),
  }),
  Error: {
    type: 'object',
    description: "Nest's error shape; `message` names the field for a 400",
    properties: {
      statusCode: { type: 'integer' },
      message: { oneOf: [string(), arrayOf(string())] },
      error: string(),
    },
    required: ['statusCode', 'message'],
  },
};

// Request bodies, named after their DTO classes (the test compares them field by field).
const requestBodies: Record<string, Schema> = {
  ConfigureSsoDto: input({
    protocol: oneOf('saml', 'oidc', 'entra'),
    entityId: string({ maxLength: 2048, description: 'Required for SAML' }),
    ssoUrl: string({ format: 'uri', maxLength: 2048, description: 'https; required for SAML' }),
    issuer: string({ format: 'uri', maxLength: 2048, description: 'https; OIDC and Entra' }),
    clientId: string({ maxLength: 512, description: 'Required for OIDC and Entra' }),
    scimEnabled: { type: 'boolean' },
  }),
  CreateTokenDto: input({ label: string({ minLength: 1, maxLength: 100 }), expiresAt: dateTime }, [
    'label',
  ]),
  ReconciliationSettingsDto: input({
    autoRepair: { type: 'boolean' },
    orphanPolicy: oneOf('release', 'suspend'),
  }),
  AddMemberDto: input(
    { email: string({ format: 'email', maxLength: 320 }), role, source: oneOf('manual', 'sso') },
    ['email', 'role', 'source'],
  ),
  UpdateMemberDto: input({ status: oneOf('active', 'suspended', 'deprovisioned'), role }),
  UpdateAccessPolicyDto: input({ defaultRole: role, requireGroupMembership: { type: 'boolean' } }),
  CreateGroupMappingDto: input(
    {
      groupId: string({ format: 'uuid', description: 'A SCIM group id, or give displayName' }),
      displayName: string({ minLength: 1, maxLength: 1024 }),
      role,
    },
    ['role'],
  ),
  CreateWebhookEndpointDto: input(
    {
      url: string({
        format: 'uri',
        maxLength: 2048,
        description: 'https (see WEBHOOK_ALLOW_HTTP)',
      }),
      eventTypes: nullable(arrayOf(oneOf(...EVENT_TYPES))),
      companyId: nullable(string()),
      description: nullable(string({ maxLength: 500 })),
    },
    ['url'],
  ),
  UpdateWebhookEndpointDto: input({
    url: string({ format: 'uri', maxLength: 2048 }),
    eventTypes: nullable(arrayOf(oneOf(...EVENT_TYPES))),
    companyId: nullable(string()),
    description: nullable(string({ maxLength: 500 })),
    enabled: { type: 'boolean', description: 'true also resumes a failing endpoint' },
  }),
};

const json = (schema: Schema) => ({ 'application/json': { schema } });
const ok = (schema: Schema, description = 'OK') => ({ description, content: json(schema) });
const body = (dto: string) => ({
  required: true,
  content: json({ $ref: `#/components/requestBodies/${dto}` }),
});
const errors = {
  '400': { description: 'Invalid input; the message names the field', content: json(ref('Error')) },
  '401': { description: 'Missing or invalid admin JWT', content: json(ref('Error')) },
  '403': { description: 'The role is too low for this company', content: json(ref('Error')) },
  '404': {
    description: 'Not a company of this admin, or no such object',
    content: json(ref('Error')),
  },
  '429': { description: 'Over ADMIN_RATE_LIMIT; see Retry-After', content: json(ref('Error')) },
};
const queryParameter = (name: string, schema: Schema, description?: string) => ({
  name,
  in: 'query',
  required: false,
  schema,
  ...(description ? { description } : {}),
});
const pathParameter = (name: string) => ({
  name,
  in: 'path',
  required: true,
  schema: string(),
});

const company = '/api/companies/{companyId}';
const platform = '/api/platform';
/** Platform routes take a platform key, never an admin JWT. */
const platformSecurity = [{ platformKey: [] }];
const platformErrors = {
  '400': errors['400'],
  '401': { description: 'Missing, unknown or revoked platform key', content: json(ref('Error')) },
  '404': { description: 'No such endpoint', content: json(ref('Error')) },
  '429': errors['429'],
};
const feedParameters = [
  queryParameter('after', string({ maxLength: 200 }), 'The nextCursor of the previous page'),
  queryParameter('limit', { type: 'integer', minimum: 1, maximum: 1000, default: 100 }),
  queryParameter('type', string(), 'A comma-separated list of event types'),
  queryParameter(
    'wait',
    { type: 'integer', minimum: 0, maximum: 30 },
    'Seconds to hold the request until an event newer than `after` commits',
  ),
];

export function adminOpenApiDocument(publicUrl: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'SCIM provisioning service: admin API',
      version: '1.0.0',
      description:
        'What the admin console uses: SSO and the SCIM switch, provisioning tokens, the sync status card, reconciliation, members, group-based access and the audit log. Every route takes an admin JWT (CONTRACT.md); only owners and admins of `companyId` may call it. The SCIM API itself is described by its own discovery endpoints (RFC 7644 §4) under /api/scim/v2.',
    },
    servers: [{ url: publicUrl }],
    security: [{ adminJwt: [] }],
    components: {
      securitySchemes: {
        adminJwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        platformKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'A platform key (`npm run cli -- platform-key create`)',
        },
      },
      schemas,
      requestBodies: Object.fromEntries(
        Object.entries(requestBodies).map(([name, schema]) => [
          name,
          { required: true, content: json(schema) },
        ]),
      ),
    },
    paths: {
      '/api/companies': {
        get: {
          operationId: 'listCompanies',
          summary: 'The companies this admin may manage (the company picker)',
          responses: { '200': ok(arrayOf(ref('Company'))), '401': errors['401'] },
        },
      },
      [`${company}/sso`]: {
        parameters: [pathParameter('companyId')],
        get: {
          operationId: 'getSso',
          summary: 'The SSO connection and its scimEnabled flag',
          responses: { '200': ok(ref('SsoConnection')), ...errors },
        },
        put: {
          operationId: 'configureSso',
          summary: 'Configure SSO and turn SCIM on or off (without protocol: only the switch)',
          requestBody: body('ConfigureSsoDto'),
          responses: { '200': ok(ref('SsoConnection')), ...errors },
        },
      },
      [`${company}/scim`]: {
        parameters: [pathParameter('companyId')],
        delete: {
          operationId: 'deleteScimConfiguration',
          summary: 'Delete the SCIM configuration: revoke every token, turn SCIM off',
          responses: { '200': ok(ref('ScimConfigurationDeleted')), ...errors },
        },
      },
      [`${company}/scim/status`]: {
        parameters: [pathParameter('companyId')],
        get: {
          operationId: 'getSyncStatus',
          summary: 'The sync status card',
          responses: { '200': ok(ref('SyncStatus')), ...errors },
        },
      },
      [`${company}/scim/tokens`]: {
        parameters: [pathParameter('companyId')],
        get: {
          operationId: 'listTokens',
          summary: 'Provisioning tokens, never their secrets',
          responses: { '200': ok(arrayOf(ref('Token'))), ...errors },
        },
        post: {
          operationId: 'createToken',
          summary: 'Create a provisioning token; its secret is in this answer only',
          requestBody: body('CreateTokenDto'),
          responses: {
            '201': ok(ref('CreatedToken'), 'Created'),
            '409': { description: 'SSO not configured or SCIM off', content: json(ref('Error')) },
            ...errors,
          },
        },
      },
      [`${company}/scim/tokens/{tokenId}/revoke`]: {
        parameters: [pathParameter('companyId'), pathParameter('tokenId')],
        post: {
          operationId: 'revokeToken',
          summary: 'Revoke a token at once',
          responses: { '200': ok(ref('Token')), ...errors },
        },
      },
      [`${company}/scim/reconcile`]: {
        parameters: [pathParameter('companyId')],
        post: {
          operationId: 'reconcile',
          summary: 'Run a reconciliation pass now (while one runs, answers that one)',
          responses: { '200': ok(ref('ReconciliationRun')), ...errors },
        },
      },
      [`${company}/scim/reconciliations`]: {
        parameters: [pathParameter('companyId')],
        get: {
          operationId: 'listReconciliations',
          summary: 'Past reconciliation runs, newest first',
          responses: { '200': ok(arrayOf(ref('ReconciliationRun'))), ...errors },
        },
      },
      [`${company}/scim/reconciliations/{runId}/changes`]: {
        parameters: [pathParameter('companyId'), pathParameter('runId')],
        get: {
          operationId: 'listReconciliationChanges',
          summary: 'Every change a run made',
          responses: { '200': ok(arrayOf(ref('ReconciliationChange'))), ...errors },
        },
      },
      [`${company}/scim/reconciliation-settings`]: {
        parameters: [pathParameter('companyId')],
        get: {
          operationId: 'getReconciliationSettings',
          summary: 'Whether scheduled runs repair, and the orphan policy',
          responses: { '200': ok(ref('ReconciliationSettings')), ...errors },
        },
        put: {
          operationId: 'updateReconciliationSettings',
          summary: 'Change the reconciliation settings',
          requestBody: body('ReconciliationSettingsDto'),
          responses: { '200': ok(ref('ReconciliationSettings')), ...errors },
        },
      },
      [`${company}/scim/access`]: {
        parameters: [pathParameter('companyId')],
        get: {
          operationId: 'getAccessPolicy',
          summary: 'Group-based access: default role, required membership, mappings',
          responses: { '200': ok(ref('AccessPolicy')), ...errors },
        },
        put: {
          operationId: 'updateAccessPolicy',
          summary: 'Change the policy; every managed member is decided again',
          requestBody: body('UpdateAccessPolicyDto'),
          responses: {
            '200': ok(ref('AccessPolicy')),
            '409': {
              description: 'Requiring group membership with no mapping',
              content: json(ref('Error')),
            },
            ...errors,
          },
        },
      },
      [`${company}/scim/group-mappings`]: {
        parameters: [pathParameter('companyId')],
        post: {
          operationId: 'createGroupMapping',
          summary: 'Give a role to the members of a SCIM group (by id or displayName)',
          requestBody: body('CreateGroupMappingDto'),
          responses: { '201': ok(ref('GroupMapping'), 'Created'), ...errors },
        },
      },
      [`${company}/scim/group-mappings/{mappingId}`]: {
        parameters: [pathParameter('companyId'), pathParameter('mappingId')],
        delete: {
          operationId: 'deleteGroupMapping',
          summary: 'Remove a mapping',
          responses: {
            '204': { description: 'Removed' },
            '409': {
              description: 'The last mapping while membership is required',
              content: json(ref('Error')),
            },
            ...errors,
          },
        },
      },
      [`${company}/members`]: {
        parameters: [pathParameter('companyId')],
        get: {
          operationId: 'listMembers',
          summary: 'Members, filtered and paged (ordered by email)',
          parameters: [
            queryParameter('status', oneOf('active', 'suspended', 'deprovisioned')),
            queryParameter('source', oneOf('manual', 'sso', 'scim')),
            queryParameter('role', role),
            queryParameter('managed', { type: 'boolean' }),
            queryParameter('stale', { type: 'boolean' }),
            queryParameter('staleReason', string()),
            queryParameter('email', string({ maxLength: 320 }), 'Exact, case-insensitive'),
            queryParameter('limit', { type: 'integer', minimum: 1, maximum: 500, default: 50 }),
            queryParameter('offset', { type: 'integer', minimum: 0, default: 0 }),
          ],
          responses: { '200': ok(ref('MemberPage')), ...errors },
        },
        post: {
          operationId: 'addMember',
          summary: 'A member who came in outside SCIM (an invitation, an SSO sign-in)',
          requestBody: body('AddMemberDto'),
          responses: {
            '201': ok(ref('Member'), 'Created'),
            '409': { description: 'A member with this email exists', content: json(ref('Error')) },
            ...errors,
          },
        },
      },
      [`${company}/events`]: {
        parameters: [pathParameter('companyId')],
        get: {
          operationId: 'listCompanyEvents',
          summary: "The company's events, by sequence, after the cursor (long poll with wait)",
          parameters: feedParameters,
          responses: { '200': ok(ref('EventPage')), ...errors },
        },
      },
      [`${platform}/events`]: {
        get: {
          operationId: 'listPlatformEvents',
          summary: "Every company's events (or one company's), oldest first after the cursor",
          security: platformSecurity,
          parameters: [...feedParameters, queryParameter('companyId', string())],
          responses: { '200': ok(ref('EventPage')), ...platformErrors },
        },
      },
      [`${platform}/webhook-endpoints`]: {
        get: {
          operationId: 'listWebhookEndpoints',
          summary: 'Webhook endpoints, never their secrets',
          security: platformSecurity,
          responses: { '200': ok(arrayOf(ref('WebhookEndpoint'))), ...platformErrors },
        },
        post: {
          operationId: 'createWebhookEndpoint',
          summary: 'Add an endpoint; its whsec_ secret is in this answer only',
          security: platformSecurity,
          requestBody: body('CreateWebhookEndpointDto'),
          responses: { '201': ok(ref('CreatedWebhookEndpoint'), 'Created'), ...platformErrors },
        },
      },
      [`${platform}/webhook-endpoints/{id}`]: {
        parameters: [pathParameter('id')],
        get: {
          operationId: 'getWebhookEndpoint',
          summary: 'One endpoint and its status (active, failing, disabled)',
          security: platformSecurity,
          responses: { '200': ok(ref('WebhookEndpoint')), ...platformErrors },
        },
        patch: {
          operationId: 'updateWebhookEndpoint',
          summary: 'Change it; enabled: true resumes the queue of a failing or disabled endpoint',
          security: platformSecurity,
          requestBody: body('UpdateWebhookEndpointDto'),
          responses: { '200': ok(ref('WebhookEndpoint')), ...platformErrors },
        },
        delete: {
          operationId: 'deleteWebhookEndpoint',
          summary: 'Stop delivering to it (its queue and attempts go)',
          security: platformSecurity,
          responses: { '204': { description: 'Deleted' }, ...platformErrors },
        },
      },
      [`${platform}/webhook-endpoints/{id}/rotate-secret`]: {
        parameters: [pathParameter('id')],
        post: {
          operationId: 'rotateWebhookSecret',
          summary: 'A new secret, shown once; the old one keeps signing beside it for 24 h',
          security: platformSecurity,
          responses: { '200': ok(ref('RotatedWebhookEndpoint')), ...platformErrors },
        },
      },
      [`${platform}/webhook-endpoints/{id}/deliveries`]: {
        parameters: [pathParameter('id')],
        get: {
          operationId: 'listWebhookDeliveries',
          summary: 'Delivery attempts, newest first',
          security: platformSecurity,
          parameters: [
            queryParameter('limit', { type: 'integer', minimum: 1, maximum: 200, default: 50 }),
            queryParameter(
              'before',
              string({ format: 'uuid' }),
              'The nextBefore of the previous page',
            ),
            queryParameter('eventId', string({ format: 'uuid' })),
          ],
          responses: { '200': ok(ref('DeliveryPage')), ...platformErrors },
        },
      },
      [`${platform}/webhook-endpoints/{id}/test`]: {
        parameters: [pathParameter('id')],
        post: {
          operationId: 'testWebhookEndpoint',
          summary: 'Send a webhook.test event now; answers the attempt',
          security: platformSecurity,
          responses: { '200': ok(ref('DeliveryAttempt')), ...platformErrors },
        },
      },
      [`${company}/members/{memberId}`]: {
        parameters: [pathParameter('companyId'), pathParameter('memberId')],
        patch: {
          operationId: 'updateMember',
          summary: 'Change status or role outside SCIM (drift on a managed member)',
          requestBody: body('UpdateMemberDto'),
          responses: { '200': ok(ref('Member')), ...errors },
        },
      },
      [`${company}/audit-events`]: {
        parameters: [pathParameter('companyId')],
        get: {
          operationId: 'listAuditEvents',
          summary: 'The audit log of admin actions, newest first',
          parameters: [
            queryParameter('limit', { type: 'integer', minimum: 1, maximum: 200, default: 50 }),
            queryParameter('before', string({ format: 'uuid' }), 'nextBefore of the previous page'),
            queryParameter('action', string(), 'Only this action, such as scim_token.created'),
          ],
          responses: { '200': ok(ref('AuditPage')), ...errors },
        },
      },
    },
  };
}
