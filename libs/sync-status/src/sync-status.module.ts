import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ActivityController } from './activity.controller';
import { ActivityService } from './activity.service';
import { ProvisioningEventEntity } from './provisioning-event.entity';
import { ProvisioningLogMiddleware } from './provisioning-log.middleware';
import { ProvisioningLogService } from './provisioning-log.service';

/**
 * The provisioning log: every SCIM request, recorded off the request path, and read back as
 * the company's activity.
 */
@Module({
  imports: [TypeOrmModule.forFeature([ProvisioningEventEntity])],
  controllers: [ActivityController],
  providers: [ProvisioningLogService, ActivityService],
  exports: [ProvisioningLogService],
})
export class SyncStatusModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // Every path: the middleware itself keeps to SCIM requests (one prefix test).
    consumer.apply(ProvisioningLogMiddleware).forRoutes('*path');
  }
}
