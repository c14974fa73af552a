import { Global, Injectable, Module } from '@nestjs/common';
import { InjectDataSource, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { databaseOptions } from './database-options';
import { CompanyScans } from './company-scans';
import { deferPostgresBegin } from './postgres-transactions';
import { serializeSqliteTransactions } from './sqlite-transactions';

/** SQLite: transactions take turns on the one connection (see serializeSqliteTransactions). */
@Injectable()
class SqliteTransactions {
  constructor(@InjectDataSource() dataSource: DataSource) {
    serializeSqliteTransactions(dataSource);
  }
}

/** PostgreSQL: a transaction's BEGIN waits for a statement that needs it (deferPostgresBegin). */
const POSTGRES_TRANSACTIONS = {
  provide: 'POSTGRES_TRANSACTIONS',
  inject: [DataSource],
  // Awaited before the application starts: no request's transaction runs before it.
  useFactory: (dataSource: DataSource) => deferPostgresBegin(dataSource),
};

/**
 * One DataSource for the app (context modules register their entities with forFeature), and
 * where the statements that scan a company run (CompanyScans).
 */
@Global()
@Module({
  providers: [CompanyScans, SqliteTransactions, POSTGRES_TRANSACTIONS],
  exports: [CompanyScans],
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        ...databaseOptions(config.database),
        autoLoadEntities: true,
        // main.ts checks the database first and says in one line what is wrong; no retries
        // with stack traces here.
        retryAttempts: 0,
      }),
    }),
  ],
})
export class DatabaseModule {}
