import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AUDIT_SINK } from '@app/common';
import { AuditEventEntity } from './audit-event.entity';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';

/**
 * The audit log: what admins did (routes marked `@Audited`), readable by the company's admins.
 * Global, so the interceptor of `@Audited` routes in any context finds where to write.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditEventEntity])],
  controllers: [AuditController],
  providers: [AuditService, { provide: AUDIT_SINK, useExisting: AuditService }],
  exports: [AuditService, AUDIT_SINK],
})
export class AuditModule {}
