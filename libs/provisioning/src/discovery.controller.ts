import { Controller, Get, Param } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { AppConfig } from '@app/common';
import {
  ENTERPRISE_USER_SCHEMA,
  GROUP_RESOURCE,
  GROUP_SCHEMA,
  resourceTypeResource,
  schemaResource,
  ScimError,
  serviceProviderConfig,
  USER_RESOURCE,
  USER_SCHEMA,
} from '@app/scim-protocol';
import { ScimDiscoveryRoute } from '@app/tokens';
import { DEFAULT_COUNT, MAX_RESULTS } from './query/list-request';
import { listResponse } from './scim-response';

/** The schemas and resource types this service serves. */
const SCHEMAS = [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA];
const RESOURCE_TYPES = [USER_RESOURCE, GROUP_RESOURCE];

/**
 * SCIM discovery (RFC 7644 §4). ServiceProviderConfig advertises only what is implemented:
 * a client that trusts it must never be surprised.
 */
// The SCIM API is described by its own discovery endpoints (RFC 7644 §4), not OpenAPI.
@ApiExcludeController()
@Controller('api/scim/v2')
export class DiscoveryController {
  constructor(private readonly config: AppConfig) {}

  @Get('ServiceProviderConfig')
  @ScimDiscoveryRoute()
  serviceProviderConfig() {
    return serviceProviderConfig(
      {
        patch: true,
        bulk: {
          supported: true,
          maxOperations: this.config.bulkMaxOperations,
          maxPayloadSize: this.config.bulkMaxPayloadBytes,
        },
        filter: { supported: true, maxResults: MAX_RESULTS },
        // Passwords are not stored: signing in is the platform's SSO.
        changePassword: false,
        sort: true,
        etag: true,
        pagination: {
          cursor: true,
          index: true,
          defaultPaginationMethod: 'index',
          defaultPageSize: DEFAULT_COUNT,
          maxPageSize: MAX_RESULTS,
          cursorTimeout: 3600,
        },
      },
      `${this.config.scimEndpointUrl}/ServiceProviderConfig`,
    );
  }

  @Get('Schemas')
  @ScimDiscoveryRoute()
  schemas() {
    const resources = SCHEMAS.map((schema) => schemaResource(schema, this.config.scimEndpointUrl));
    return listResponse(resources, { totalResults: resources.length, startIndex: 1 });
  }

  @Get('Schemas/:id')
  @ScimDiscoveryRoute()
  schema(@Param('id') id: string) {
    const schema = SCHEMAS.find((candidate) => candidate.id.toLowerCase() === id.toLowerCase());
    if (!schema) throw ScimError.notFound(`No schema ${id}`);
    return schemaResource(schema, this.config.scimEndpointUrl);
  }

  @Get('ResourceTypes')
  @ScimDiscoveryRoute()
  resourceTypes() {
    const resources = RESOURCE_TYPES.map((type) =>
      resourceTypeResource(type, this.config.scimEndpointUrl),
    );
    return listResponse(resources, { totalResults: resources.length, startIndex: 1 });
  }

  @Get('ResourceTypes/:name')
  @ScimDiscoveryRoute()
  resourceType(@Param('name') name: string) {
    const type = RESOURCE_TYPES.find(
      (candidate) => candidate.name.toLowerCase() === name.toLowerCase(),
    );
    if (!type) throw ScimError.notFound(`No resource type ${name}`);
    return resourceTypeResource(type, this.config.scimEndpointUrl);
  }
}
