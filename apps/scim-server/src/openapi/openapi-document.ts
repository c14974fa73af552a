import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ADMIN_JWT_SCHEME, PLATFORM_KEY_SCHEME } from '@app/common';

/** Where the interactive reference and the JSON document are served. */
export const OPENAPI_UI_PATH = 'api/docs';
export const OPENAPI_JSON_PATH = 'api/openapi.json';

/**
 * The OpenAPI 3.1 document of the admin and platform API, generated from the controllers and
 * DTOs by @nestjs/swagger (its CLI plugin reads the types, class-validator rules and doc
 * comments; nest-cli.json). The SCIM API is described by its own discovery endpoints
 * (RFC 7644 §4) and is left out. Also written to docs/openapi.json (`npm run openapi`), which
 * a test keeps current.
 */
export function openApiDocument(app: INestApplication, publicUrl: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('SCIM provisioning service: admin and platform API')
    .setVersion('1.0.0')
    .setDescription(
      "What the admin console uses (SSO and the SCIM switch, provisioning tokens, the sync status card, reconciliation, members, group-based access, the audit log and the company event feed; an admin JWT that names the company with the owner or admin role, CONTRACT.md) and what the rest of the platform uses (every company's events and the webhook endpoints; a platform key). The SCIM API itself is described by its own discovery endpoints (RFC 7644 §4) under /api/scim/v2.",
    )
    .addServer(publicUrl)
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An admin JWT' },
      ADMIN_JWT_SCHEME,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description: 'A platform key (`npm run cli -- platform-key create`)',
      },
      PLATFORM_KEY_SCHEME,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    // Method names are unique across the controllers, so a generated client reads
    // `listMembers`, not `ReconciliationController_listMembers`.
    operationIdFactory: (_controller, method) => method,
  });
  closeComponentSchemas(document);
  return toJsonSchema2020(sortEnums(document)) as OpenAPIObject;
}

/** Serves the document at /api/openapi.json and the interactive reference at /api/docs. */
export function serveOpenApi(app: INestApplication, publicUrl: string): void {
  SwaggerModule.setup(OPENAPI_UI_PATH, app, openApiDocument(app, publicUrl), {
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    raw: ['json'],
    customSiteTitle: 'SCIM provisioning service: API reference',
  });
}

/**
 * Every answer and request body of this API is a closed object: the global validation pipe
 * refuses unknown fields (forbidNonWhitelisted), and no answer carries fields it does not
 * document (test/openapi.e2e-spec.ts checks real answers against these schemas). Saying so
 * lets a generated client type them exactly.
 */
function closeComponentSchemas(document: OpenAPIObject): void {
  for (const schema of Object.values(document.components?.schemas ?? {})) {
    if ('properties' in schema && schema.additionalProperties === undefined) {
      schema.additionalProperties = false;
    }
  }
}

/**
 * The plugin lists a union's members (`'manual' | 'sso' | 'scim'`) in the order the type
 * checker happens to have created them, which differs between `nest build` and the tests'
 * compiler; sorted, the document is the same wherever it is generated.
 */
function sortEnums(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(sortEnums);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [
      key,
      key === 'enum' && Array.isArray(value) ? [...value].sort() : sortEnums(value),
    ]),
  );
}

/**
 * @nestjs/swagger writes OpenAPI 3.0's `nullable: true` even in a 3.1 document, whose Schema
 * Objects are JSON Schema 2020-12 (OpenAPI 3.1 §4.8.24), where null is a type: a nullable
 * `string` becomes `type: ["string", "null"]` (an enum also lists null), and a nullable
 * reference becomes `oneOf: [{ type: "null" }, { $ref }]`.
 */
function toJsonSchema2020(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema2020);
  if (node === null || typeof node !== 'object') return node;
  const entries = Object.entries(node).map(([key, value]) => [key, toJsonSchema2020(value)]);
  const schema = Object.fromEntries(entries) as Record<string, unknown>;
  if (schema.nullable !== true) return schema;
  const { nullable: _nullable, ...rest } = schema;
  const reference = rest.$ref
    ? { $ref: rest.$ref }
    : Array.isArray(rest.allOf) && rest.allOf.length === 1
      ? rest.allOf[0]
      : undefined;
  if (reference) {
    const { description } = rest;
    return { ...(description ? { description } : {}), oneOf: [{ type: 'null' }, reference] };
  }
  return {
    ...rest,
    type: [rest.type, 'null'],
    ...(Array.isArray(rest.enum) ? { enum: [...(rest.enum as unknown[]), null] } : {}),
  };
}
