import { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig, configureBodyParsing, requestIdMiddleware } from '@app/common';
import { AppModule } from './app.module';

const LEVELS: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];

/** Builds the application exactly as production runs it; used by main.ts and the tests. */
export async function createApp(
  config: AppConfig,
  logger?: LoggerService,
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    logger: logger ?? LEVELS.slice(0, LEVELS.indexOf(config.logLevel) + 1),
  });
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestIdMiddleware);
  configureBodyParsing(app);
  app.enableShutdownHooks();
  return app;
}
