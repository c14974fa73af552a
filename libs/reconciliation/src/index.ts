export * from './drift';
export * from './reconciliation.module';
export * from './reconciliation-schedule.module';
export * from './reconciliation.service';
export * from './reconciliation.scheduler';
export { StatusService } from './status.service';
