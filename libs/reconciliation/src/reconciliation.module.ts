import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ProvisioningModule } from '@app/provisioning';
import { SyncStatusModule } from '@app/sync-status';
import { DriftService } from './drift.service';
import { LeasesService } from './leases.service';
import { MemberDirectoryService } from './members.service';
import { ReconciliationController } from './reconciliation.controller';
import {
  CompanyLeaseEntity,
  ReconciliationChangeEntity,
  ReconciliationRunEntity,
  ReconciliationSettingsEntity,
} from './reconciliation.entities';
import { ReconciliationScheduler } from './reconciliation.scheduler';
import { ReconciliationService } from './reconciliation.service';
import { StatusService } from './status.service';

/** Stale detection, reconciliation runs, the scheduled job, the status card and members. */
@Module({
  imports: [
    ProvisioningModule,
    SyncStatusModule,
    TypeOrmModule.forFeature([
      ReconciliationRunEntity,
      ReconciliationChangeEntity,
      ReconciliationSettingsEntity,
      CompanyLeaseEntity,
    ]),
  ],
  controllers: [ReconciliationController],
  providers: [
    DriftService,
    LeasesService,
    ReconciliationService,
    ReconciliationScheduler,
    StatusService,
    MemberDirectoryService,
  ],
  exports: [ReconciliationService, ReconciliationScheduler, DriftService],
})
export class ReconciliationModule {}
