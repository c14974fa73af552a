import type { Company } from '../../app';
import { api, unwrap } from '../../api/client';
import { setQuery, useLocation } from '../../router';
import { FilterForm } from '../../ui/filter-form';
import { Pager, useCursor } from '../../ui/pager';
import { Card, Empty, ErrorBox, Loading, Time } from '../../ui/parts';
import { useLoad } from '../../ui/use-load';

// The admin actions the audit log records (AuditService callers), for the filter.
const ACTIONS = [
  'scim_token.created',
  'scim_token.revoked',
  'scim_configuration.deleted',
  'sso.configured',
  'access_policy.updated',
  'group_mapping.created',
  'group_mapping.deleted',
  'member.added',
  'member.updated',
  'reconciliation.started',
  'reconciliation_settings.updated',
];

/** Who changed what, newest first. */
export function AuditPage({ company }: { company: Company }) {
  const { query } = useLocation();
  const action = query.get('action') ?? '';
  const cursor = useCursor();
  const load = useLoad(
    () =>
      unwrap(
        api.GET('/api/companies/{companyId}/audit-events', {
          params: {
            path: { companyId: company.id },
            query: { limit: 50, before: cursor.cursor, action: action || undefined },
          },
        }),
      ),
    [company.id, action, cursor.cursor],
  );
  return (
    <>
      <h1>Audit log</h1>
      <p class="subtitle">Who changed what in these settings, newest first.</p>
      <FilterForm
        label="Filter the audit log"
        values={{ action }}
        onApply={(values) => {
          cursor.reset();
          setQuery(values);
        }}
      >
        {(values, set) => (
          <>
            <div class="field">
              <label for="audit-action">Action</label>
              <select id="audit-action" value={values.action} onChange={set('action')}>
                <option value="">All actions</option>
                {ACTIONS.map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <button type="submit" class="primary">
                Apply filter
              </button>
            </div>
          </>
        )}
      </FilterForm>
      <Card id="audit" title="Admin actions">
        {load.state === 'loading' ? (
          <Loading />
        ) : load.state === 'error' ? (
          <ErrorBox error={load.error} />
        ) : load.data.items.length === 0 ? (
          <Empty>{action ? 'No action of this kind yet.' : 'No admin action yet.'}</Empty>
        ) : (
          <>
            <table>
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Action</th>
                  <th>Who</th>
                  <th>Details</th>
                </tr>
              </thead>
              <tbody>
                {load.data.items.map((event) => (
                  <tr key={event.id}>
                    <td>
                      <Time value={event.at} />
                    </td>
                    <td>
                      <code>{event.action}</code>
                    </td>
                    <td>{event.actor.email ?? event.actor.id}</td>
                    <td>
                      {Object.entries(event.details)
                        .map(
                          ([key, value]) =>
                            `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`,
                        )
                        .join('; ') || '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager label="Audit log" cursor={cursor} next={load.data.nextBefore} />
          </>
        )}
      </Card>
    </>
  );
}
