export * from './provisioning.module';
export * from './access/access.service';
