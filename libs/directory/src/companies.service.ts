import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { CompanyId, CompanyRegistry, rawQuery, sqlBoolean } from '@app/common';
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

  /** Every company with its SCIM state, by id (the operators' `companies` command). */
  async listWithScimState(): Promise<
    { id: string; name: string; ssoConfigured: boolean; scimEnabled: boolean; createdAt: string }[]
  > {
    const rows = await rawQuery<{
      id: string;
      name: string;
      createdAt: number | string;
      ssoCompanyId: string | null;
      scimEnabled: boolean | number | null;
    }>(
      this.companies.manager,
      `SELECT c."id", c."name", c."createdAt", s."companyId" AS "ssoCompanyId", s."scimEnabled"
         FROM "companies" c LEFT JOIN "sso_connections" s ON s."companyId" = c."id"
        ORDER BY c."id"`,
      [],
    );
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      ssoConfigured: row.ssoCompanyId !== null,
      scimEnabled: row.ssoCompanyId !== null && sqlBoolean(row.scimEnabled),
      createdAt: new Date(Number(row.createdAt)).toISOString(),
    }));
  }
}
