import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TokensModule } from '@app/tokens';
import { DiscoveryController } from './discovery.controller';
import { SearchController } from './search.controller';
import {
  ScimResourceCountEntity,
  ScimUserEmailEntity,
  ScimUserEntity,
} from './users/scim-user.entity';
import { UsersController } from './users/users.controller';
import { UsersService } from './users/users.service';

/** The SCIM API that identity providers call. */
@Module({
  imports: [
    TokensModule,
    TypeOrmModule.forFeature([ScimUserEntity, ScimUserEmailEntity, ScimResourceCountEntity]),
  ],
  controllers: [DiscoveryController, SearchController, UsersController],
  providers: [UsersService, UsersController],
  exports: [UsersService],
})
export class ProvisioningModule {}
