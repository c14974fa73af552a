import { Module } from '@nestjs/common';
import { SyncStatusModule } from '@app/sync-status';
import { ReconciliationModule } from './reconciliation.module';
import { ReconciliationScheduler } from './reconciliation.scheduler';

/**
 * The scheduled reconciliation, a module of its own: the service runs it, the operators' CLI
 * (which uses the same reconciliation services) does not, so a command never fires a tick.
 */
@Module({
  imports: [ReconciliationModule, SyncStatusModule],
  providers: [ReconciliationScheduler],
  exports: [ReconciliationScheduler],
})
export class ReconciliationScheduleModule {}
