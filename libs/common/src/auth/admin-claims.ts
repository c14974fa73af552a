import { CompanyRole } from '../tenancy/company-scope';

/** The claims of the admin JWT issued by the platform (CONTRACT.md, Admin API). */
export interface AdminClaims {
  sub: string;
  email?: string;
  companies: { id: string; name: string; role: CompanyRole }[];
  exp: number;
}

export const COMPANY_ROLES: readonly CompanyRole[] = ['owner', 'admin', 'member'];

/** Roles that may manage a company's SSO and SCIM settings. */
export const MANAGING_ROLES: readonly CompanyRole[] = ['owner', 'admin'];

/** Checks the shape of a verified payload; returns a reason when it is not an admin JWT. */
export function parseAdminClaims(payload: Record<string, unknown>): AdminClaims | string {
  const { sub, email, companies, exp } = payload;
  if (typeof sub !== 'string' || sub.length === 0) return 'sub claim is missing';
  if (typeof exp !== 'number') return 'exp claim is missing';
  if (email !== undefined && typeof email !== 'string') return 'email claim must be a string';
  if (!Array.isArray(companies)) return 'companies claim must be an array';
  const parsed: AdminClaims['companies'] = [];
  for (const company of companies as unknown[]) {
    if (typeof company !== 'object' || company === null) return 'companies[] must be objects';
    const { id, name, role } = company as Record<string, unknown>;
    if (typeof id !== 'string' || id.length === 0) return 'companies[].id must be a string';
    if (!COMPANY_ROLES.includes(role as CompanyRole)) {
      return 'companies[].role must be owner, admin or member';
    }
    parsed.push({
      id,
      name: typeof name === 'string' && name ? name : id,
      role: role as CompanyRole,
    });
  }
  return { sub, email: email as string | undefined, companies: parsed, exp };
}
