import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CompanyRegistry } from '@app/common';
import { CompaniesService } from './companies.service';
import { CompanyEntity } from './company.entity';
import { DirectoryController } from './directory.controller';
import { MemberEntity } from './member.entity';
import { MembersService } from './members.service';
import { SsoConnectionEntity } from './sso-connection.entity';
import { SsoService } from './sso.service';

/**
 * Companies, their SSO connection and SCIM switch. Global because every admin route's guard
 * needs the CompanyRegistry it provides.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([CompanyEntity, SsoConnectionEntity, MemberEntity])],
  controllers: [DirectoryController],
  providers: [
    CompaniesService,
    SsoService,
    MembersService,
    { provide: CompanyRegistry, useExisting: CompaniesService },
  ],
  exports: [CompanyRegistry, CompaniesService, SsoService, MembersService],
})
export class DirectoryModule {}
