import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TokensModule } from '@app/tokens';
import { AccessController } from './access/access.controller';
import { AccessPolicyEntity, GroupRoleMappingEntity } from './access/access.entities';
import { AccessService } from './access/access.service';
import { BulkController } from './bulk/bulk.controller';
import { BulkService } from './bulk/bulk.service';
import { DiscoveryController } from './discovery.controller';
import { GroupsController } from './groups/groups.controller';
import { GroupsService } from './groups/groups.service';
import { ScimGroupEntity, ScimGroupMemberEntity } from './groups/scim-group.entity';
import { SearchController } from './search.controller';
import {
  ScimResourceCountEntity,
  ScimUserEmailEntity,
  ScimUserEntity,
} from './users/scim-user.entity';
import { UsersController } from './users/users.controller';
import { UsersService } from './users/users.service';

/** The SCIM API that identity providers call, and group-based access for admins. */
@Module({
  imports: [
    TokensModule,
    TypeOrmModule.forFeature([
      ScimUserEntity,
      ScimUserEmailEntity,
      ScimResourceCountEntity,
      ScimGroupEntity,
      ScimGroupMemberEntity,
      AccessPolicyEntity,
      GroupRoleMappingEntity,
    ]),
  ],
  controllers: [
    DiscoveryController,
    SearchController,
    UsersController,
    GroupsController,
    BulkController,
    AccessController,
  ],
  providers: [
    UsersService,
    GroupsService,
    AccessService,
    BulkService,
    UsersController,
    GroupsController,
  ],
  exports: [UsersService, GroupsService, AccessService],
})
export class ProvisioningModule {}
