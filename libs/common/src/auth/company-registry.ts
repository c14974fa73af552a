import { CompanyId } from '../tenancy/company-id';

/**
 * The directory's promise to the admin guard: a company named in a valid admin JWT exists
 * here from its first use (CONTRACT.md). Provided by the directory context.
 */
export abstract class CompanyRegistry {
  abstract ensureCompany(companyId: CompanyId, name: string): Promise<void>;
}
