export * from './company.entity';
export * from './sso-connection.entity';
export * from './companies.service';
export * from './sso.service';
export * from './directory.module';
export * from './member.entity';
export * from './members.service';
