import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ProvisioningEventEntity } from './provisioning-event.entity';
import { ProvisioningLogInterceptor } from './provisioning-log.interceptor';
import { ProvisioningLogService } from './provisioning-log.service';

/** The provisioning log: every SCIM request, recorded off the request path. */
@Module({
  imports: [TypeOrmModule.forFeature([ProvisioningEventEntity])],
  providers: [
    ProvisioningLogService,
    { provide: APP_INTERCEPTOR, useClass: ProvisioningLogInterceptor },
  ],
  exports: [ProvisioningLogService],
})
export class SyncStatusModule {}
