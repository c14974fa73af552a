import { Controller, Get, HttpCode, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Liveness and readiness for orchestrators (CONTRACT.md, Running). */
// Operational, not part of the admin API's document.
@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @Get('healthz')
  @HttpCode(200)
  healthz() {
    return { status: 'ok' };
  }

  /** Ready once the database answers and no migration is pending. */
  @Get('readyz')
  async readyz() {
    try {
      await this.dataSource.query('SELECT 1');
      if (await this.dataSource.showMigrations()) {
        throw new Error('migrations pending');
      }
    } catch (error) {
      throw new ServiceUnavailableException({
        status: 'unavailable',
        reason: (error as Error).message,
      });
    }
    return { status: 'ready' };
  }
}
