import { Global, Injectable, Module } from '@nestjs/common';
import { InjectDataSource, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { databaseOptions } from './database-options';
import { CompanyScans } from './company-scans';
import { serializeSqliteTransactions } from './sqlite-transactions';

/** SQLite: transactions take turns on the one connection (see serializeSqliteTransactions). */
@Injectable()
class SqliteTransactions {
  constructor(@InjectDataSource() dataSource: DataSource) {
    serializeSqliteTransactions(dataSource);
  }
}

/**
 * One DataSource for the app (context modules register their entities with forFeature), and
 * where the statements that scan a company run (CompanyScans).
 */
@Global()
@Module({
  providers: [CompanyScans, SqliteTransactions],
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
