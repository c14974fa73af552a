export * from './drift';
export * from './reconciliation.module';
export * from './reconciliation.service';
export * from './reconciliation.scheduler';
