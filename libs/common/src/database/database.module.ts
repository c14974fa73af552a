import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { databaseOptions } from './database-options';
import { SqliteReaders } from './sqlite-readers';

/**
 * One DataSource for the app (context modules register their entities with forFeature), and
 * on SQLite the read-only readers for statements that scan a company.
 */
@Global()
@Module({
  providers: [SqliteReaders],
  exports: [SqliteReaders],
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        ...databaseOptions(config.database),
        autoLoadEntities: true,
      }),
    }),
  ],
})
export class DatabaseModule {}
