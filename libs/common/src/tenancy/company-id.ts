/**
 * A company id that has been through a guard. The brand makes the type system insist that
 * every service and repository method receives the tenant explicitly, resolved by a guard
 * (or by the scheduler from the companies table), never a raw string from a request body.
 */
export type CompanyId = string & { readonly __brand: 'CompanyId' };

/** Company ids come from the platform's JWT: short, URL-safe identifiers. */
export const COMPANY_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

export function asCompanyId(value: string): CompanyId {
  if (!COMPANY_ID_PATTERN.test(value)) {
    throw new Error(`Not a company id: ${JSON.stringify(value)}`);
  }
  return value as CompanyId;
}
