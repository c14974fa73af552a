import { DynamicModule, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  AdminAuthModule,
  AppConfig,
  AppConfigModule,
  DatabaseModule,
  ObservabilityModule,
  RateLimitModule,
} from '@app/common';
import { AuditModule } from '@app/audit';
import { DirectoryModule } from '@app/directory';
import { EventsModule } from '@app/events';
import { ProvisioningModule } from '@app/provisioning';
import { ReconciliationModule } from '@app/reconciliation';
import { SyncStatusModule } from '@app/sync-status';
import { TokensModule } from '@app/tokens';

/**
 * The service's contexts without an HTTP server, the schedule or the webhook sender: the
 * operator commands call the same services the API uses (never SQL of their own), on the
 * database the configuration names. (Without ScheduleModule the @Cron methods stay inert.)
 */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [
        AppConfigModule.forRoot(config),
        DatabaseModule,
        EventsModule,
        // The contexts' controllers come along (never served here); their guards need these.
        AdminAuthModule,
        RateLimitModule,
        ObservabilityModule,
        DirectoryModule,
        TokensModule,
        ProvisioningModule,
        SyncStatusModule,
        ReconciliationModule,
        AuditModule,
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
