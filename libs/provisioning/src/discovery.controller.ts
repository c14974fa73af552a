import { Controller, Get } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { serviceProviderConfig } from '@app/scim-protocol';
import { ScimDiscoveryRoute } from '@app/tokens';

/**
 * SCIM discovery (RFC 7644 §4). ServiceProviderConfig advertises only what is implemented:
 * a client that trusts it must never be surprised.
 */
@Controller('api/scim/v2')
export class DiscoveryController {
  constructor(private readonly config: AppConfig) {}

  @Get('ServiceProviderConfig')
  @ScimDiscoveryRoute()
  serviceProviderConfig() {
    return serviceProviderConfig(
      {
        patch: false,
        bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
        filter: { supported: false, maxResults: 0 },
        changePassword: false,
        sort: false,
        etag: false,
      },
      `${this.config.scimEndpointUrl}/ServiceProviderConfig`,
    );
  }
}
