import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CompanyRegistry } from '@app/common';
import { CompaniesService } from './companies.service';
import { CompanyEntity } from './company.entity';
import { DirectoryController } from './directory.controller';
import { SsoConnectionEntity } from './sso-connection.entity';
import { SsoService } from './sso.service';

/**
 * Companies, their SSO connection and SCIM switch. Global because every admin route's guard
 * needs the CompanyRegistry it provides.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([CompanyEntity, SsoConnectionEntity])],
  controllers: [DirectoryController],
  providers: [
    CompaniesService,
    SsoService,
    { provide: CompanyRegistry, useExisting: CompaniesService },
  ],
  exports: [CompanyRegistry, CompaniesService, SsoService],
})
export class DirectoryModule {}
