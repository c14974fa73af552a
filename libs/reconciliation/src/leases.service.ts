import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CompanyId } from '@app/common';
import { CompanyLeaseEntity } from './reconciliation.entities';

/**
 * Leases in the database, so that instances sharing one PostgreSQL agree on who does what:
 * each claim is one conditional UPDATE, which the database serialises. (On SQLite there is one
 * process; the same code is simply uncontended.)
 */
@Injectable()
export class LeasesService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private async ensure(companyId: CompanyId, name: string): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(CompanyLeaseEntity)
      .values({ companyId, name, holder: null, expiresAt: 0, lastTick: 0 })
      .orIgnore()
      .execute();
  }

  /** Takes the lease if it is free or expired; true when this holder has it now. */
  async acquire(
    companyId: CompanyId,
    name: string,
    holder: string,
    ttlMs: number,
  ): Promise<boolean> {
    await this.ensure(companyId, name);
    const now = Date.now();
    const result = await this.dataSource
      .createQueryBuilder()
      .update(CompanyLeaseEntity)
      .set({ holder, expiresAt: now + ttlMs })
      .where(
        'companyId = :companyId AND name = :name AND (holder IS NULL OR expiresAt < :now OR holder = :holder)',
        {
          companyId,
          name,
          now,
          holder,
        },
      )
      .execute();
    return (result.affected ?? 0) === 1;
  }

  async renew(companyId: CompanyId, name: string, holder: string, ttlMs: number): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .update(CompanyLeaseEntity)
      .set({ expiresAt: Date.now() + ttlMs })
      .where('companyId = :companyId AND name = :name AND holder = :holder', {
        companyId,
        name,
        holder,
      })
      .execute();
  }

  async release(companyId: CompanyId, name: string, holder: string): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .update(CompanyLeaseEntity)
      .set({ holder: null, expiresAt: 0 })
      .where('companyId = :companyId AND name = :name AND holder = :holder', {
        companyId,
        name,
        holder,
      })
      .execute();
  }

  /** Claims one scheduled tick for a company: exactly one caller per (company, tick) gets true. */
  async claimTick(companyId: CompanyId, name: string, tick: number): Promise<boolean> {
    await this.ensure(companyId, name);
    const result = await this.dataSource
      .createQueryBuilder()
      .update(CompanyLeaseEntity)
      .set({ lastTick: tick })
      .where('companyId = :companyId AND name = :name AND lastTick < :tick', {
        companyId,
        name,
        tick,
      })
      .execute();
    return (result.affected ?? 0) === 1;
  }
}
