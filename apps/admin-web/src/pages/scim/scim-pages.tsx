import type { Company } from '../../app';
import { Link } from '../../router';
import { OverviewPage } from './overview-page';

/** The SCIM section's views, each at a path of its own under /settings/scim. */
const VIEWS = [{ path: '', label: 'Overview', page: OverviewPage }] as const;

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
      <Page company={company} />
    </>
  );
}
