import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { ValidationPipe } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import {
  AdminAuthModule,
  AppConfig,
  AppConfigModule,
  DatabaseModule,
  HttpExceptionFilter,
  loggerModuleParams,
  ObservabilityModule,
  RateLimitModule,
} from '@app/common';
import { AuditModule } from '@app/audit';
import { EventsModule, WebhookDeliveryModule } from '@app/events';
import { DirectoryModule } from '@app/directory';
import { ProvisioningModule } from '@app/provisioning';
import { ReconciliationModule, ReconciliationScheduleModule } from '@app/reconciliation';
import { SyncStatusModule } from '@app/sync-status';
import { TokensModule } from '@app/tokens';
import { GracefulShutdown } from './graceful-shutdown';
import { HealthController } from './health.controller';

@Module({})
export class AppModule {
  /** The whole service; tests pass their own validated config and a destination for its logs. */
  static forRoot(config?: AppConfig, logDestination?: DestinationStream): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggerModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (appConfig: AppConfig) => loggerModuleParams(appConfig, logDestination),
        }),
        DatabaseModule,
        // Nest registers routes in the order it meets modules, and Express tries each route in
        // turn: the SCIM routes, which carry nearly all the traffic, are tried first, not after
        // the admin and platform API's (issue 16: a GET by id walked 49 layers).
        ProvisioningModule,
        EventsModule,
        ScheduleModule.forRoot(),
        RateLimitModule,
        AdminAuthModule,
        ObservabilityModule,
        DirectoryModule,
        TokensModule,
        SyncStatusModule,
        ReconciliationModule,
        ReconciliationScheduleModule,
        AuditModule,
        WebhookDeliveryModule,
      ],
      controllers: [HealthController],
      providers: [
        GracefulShutdown,
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
        {
          provide: APP_PIPE,
          // Admin DTOs: unknown keys are refused (400 naming them), values transformed.
          // SCIM bodies are not DTOs; the protocol lib checks them against the SCIM schemas.
          useValue: new ValidationPipe({
            whitelist: true,
            forbidNonWhitelisted: true,
            transform: true,
          }),
        },
      ],
    };
  }
}
