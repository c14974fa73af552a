import type { Company } from '../../app';
import { Link } from '../../router';
import { AccessPage } from './access-page';
import { ActivityPage } from './activity-page';
import { AuditPage } from './audit-page';
import { MembersPage } from './members-page';
import { OverviewPage } from './overview-page';
import { ReconciliationPage } from './reconciliation-page';

/** The SCIM section's views, each at a path of its own under /settings/scim. */
const VIEWS = [
  { path: '', label: 'Overview', page: OverviewPage },
  { path: '/activity', label: 'Activity', page: ActivityPage },
  { path: '/members', label: 'Members', page: MembersPage },
  { path: '/access', label: 'Access', page: AccessPage },
  { path: '/reconciliation', label: 'Reconciliation', page: ReconciliationPage },
  { path: '/audit', label: 'Audit log', page: AuditPage },
] as const;

export function ScimPages({ company, path }: { company: Company; path: string }) {
  const current = VIEWS.find((view) => `/settings/scim${view.path}` === path) ?? VIEWS[0];
  const Page = current.page;
  return (
    <>
      <nav class="tabs" aria-label="Provisioning">
        {VIEWS.map((view) => (
          <Link key={view.path} href={`/settings/scim${view.path}`} current={view === current}>
            {view.label}
          </Link>
        ))}
      </nav>
      <Page key={current.path} company={company} />
    </>
  );
}
