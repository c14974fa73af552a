import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { CompanyId, CompanyRegistry } from '@app/common';
import { CompanyEntity } from './company.entity';

@Injectable()
export class CompaniesService implements CompanyRegistry {
  /** Companies already known to this process: the admin guard need not write on every call. */
  private readonly known = new Map<CompanyId, string>();

  constructor(
    @InjectRepository(CompanyEntity) private readonly companies: Repository<CompanyEntity>,
  ) {}

  /** Registers a company named in a valid admin JWT, and keeps its display name current. */
  async ensureCompany(companyId: CompanyId, name: string): Promise<void> {
    if (this.known.get(companyId) === name) return;
    const now = new Date();
    // Insert-or-ignore first: two first requests at once must not fail on the primary key.
    await this.companies
      .createQueryBuilder()
      .insert()
      .values({ id: companyId, name, createdAt: now, updatedAt: now })
      .orIgnore()
      .execute();
    await this.companies
      .createQueryBuilder()
      .update()
      .set({ name, updatedAt: now })
      .where('id = :companyId AND name <> :name', { companyId, name })
      .execute();
    this.known.set(companyId, name);
  }
}
