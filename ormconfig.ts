import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { databaseOptions, loadConfig } from '@app/common';
import { CompanyEntity, SsoConnectionEntity } from '@app/directory';
import { ScimTokenEntity } from '@app/tokens';

/**
 * The DataSource the TypeORM CLI uses (`npm run migration:run`, `migration:generate`), built
 * from the same validated configuration and migration list as the service.
 */
export default new DataSource(
  databaseOptions(loadConfig().database, [CompanyEntity, SsoConnectionEntity, ScimTokenEntity]),
);
