import { DynamicModule, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AdminAuthModule, AppConfig, AppConfigModule, DatabaseModule } from '@app/common';
import { AuditModule } from '@app/audit';
import { DirectoryModule } from '@app/directory';
import { EventsModule } from '@app/events';

/**
 * What the operator commands need, and no HTTP server: the commands call the same services the
 * API uses (never SQL of their own), on the database the configuration names.
 */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [
        AppConfigModule.forRoot(config),
        DatabaseModule,
        // The contexts' controllers come along (never served here); their guards need these.
        AdminAuthModule,
        DirectoryModule,
        AuditModule,
        EventsModule,
      ],
    };
  }
}

/** Runs `work` with the services, then closes the database (errors and warnings only). */
export async function withServices<T>(
  config: AppConfig,
  work: (context: INestApplicationContext) => Promise<T>,
): Promise<T> {
  const context = await NestFactory.createApplicationContext(CliModule.forRoot(config), {
    logger: ['error', 'warn'],
  });
  try {
    return await work(context);
  } finally {
    await context.close();
  }
}
