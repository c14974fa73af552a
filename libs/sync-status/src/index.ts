export * from './provisioning-event.entity';
export * from './provisioning-log.service';
export * from './sync-status.module';
export { activityStatement } from './activity.service';
