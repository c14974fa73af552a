import { Module } from '@nestjs/common';
import { TokensModule } from '@app/tokens';
import { DiscoveryController } from './discovery.controller';

/** The SCIM API that identity providers call. */
@Module({
  imports: [TokensModule],
  controllers: [DiscoveryController],
})
export class ProvisioningModule {}
