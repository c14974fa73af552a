import type { CompanyRole } from '@app/common';

/** A company the admin may manage (the company picker). */
export class CompanyView {
  id: string;
  name: string;
  role: CompanyRole;
}
