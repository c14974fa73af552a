/**
 * The bare NestJS route the benchmarks divide by: one GET answering `{ ok: true }` with
 * Nest's defaults. Imported by bench/server.ts (the same process as the service), or run on
 * its own, as bench/throughput.mjs does (transpiled beside the build: bench-server.mjs's
 * builtHarness), so that it shares no event loop with the service.
 */
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

@Controller()
class BareController {
  @Get('bare')
  bare() {
    return { ok: true };
  }
}

@Module({ controllers: [BareController] })
export class BareModule {}

export async function listenBare(port: number): Promise<void> {
  const bare = await NestFactory.create(BareModule, { logger: ['error'] });
  await bare.listen(port, '127.0.0.1');
}

if (require.main === module) {
  listenBare(Number(process.env.BARE_PORT ?? 3101)).then(
    () => process.stdout.write('{"ready":true}\n'),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
