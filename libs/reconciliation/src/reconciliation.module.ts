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
import { ReconciliationService } from './reconciliation.service';
import { StatusService } from './status.service';

/** Stale detection, reconciliation runs, the status card and members (the schedule: ReconciliationScheduleModule). */
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
    StatusService,
    MemberDirectoryService,
  ],
  exports: [ReconciliationService, DriftService, LeasesService],
})
export class ReconciliationModule {}
