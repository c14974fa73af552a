import type { Company } from '../../app';
import { api, Schemas, unwrap } from '../../api/client';
import { setQuery, useLocation } from '../../router';
import { FilterForm } from '../../ui/filter-form';
import { Pager, useCursor } from '../../ui/pager';
import { Card, Empty, ErrorBox, Loading, Time } from '../../ui/parts';
import { useLoad } from '../../ui/use-load';

type Entry = Schemas['ActivityEntryView'];
type Outcome = 'success' | 'failure' | 'warning';

const OPERATIONS: Record<string, string> = {
  'user.created': 'Created',
  'user.updated': 'Updated',
  'user.deactivated': 'Deactivated',
  'user.reactivated': 'Reactivated',
  'user.deleted': 'Deleted',
  'group.created': 'Group created',
  'group.updated': 'Group change',
  'group.deleted': 'Group deleted',
};

/** What the IdP did, newest first: the answer to "what did Okta do this morning?". */
export function ActivityPage({ company }: { company: Company }) {
  const { query } = useLocation();
  const outcome = (query.get('outcome') ?? '') as Outcome | '';
  const email = query.get('email') ?? '';
  const since = query.get('since') ?? '';
  const until = query.get('until') ?? '';
  const cursor = useCursor();
  const load = useLoad(
    () =>
      unwrap(
        api.GET('/api/companies/{companyId}/scim/activity', {
          params: {
            path: { companyId: company.id },
            query: {
              limit: 50,
              before: cursor.cursor,
              outcome: outcome || undefined,
              email: email || undefined,
              since: since ? new Date(since).toISOString() : undefined,
              until: until ? new Date(until).toISOString() : undefined,
            },
          },
        }),
      ),
    [company.id, outcome, email, since, until, cursor.cursor],
  );
  return (
    <>
      <h1>Activity</h1>
      <p class="subtitle">What the identity provider did, newest first.</p>
      <ActivityFilters
        values={{ outcome, email, since, until }}
        onApply={(values) => {
          cursor.reset();
          setQuery(values);
        }}
      />
      <Card id="activity" title="Requests">
        {load.state === 'loading' ? (
          <Loading />
        ) : load.state === 'error' ? (
          <ErrorBox error={load.error} />
        ) : load.data.items.length === 0 ? (
          <Empty>
            {outcome || email || since || until
              ? 'Nothing matches these filters.'
              : 'No activity yet. Once your identity provider sends users or groups, each change shows here.'}
          </Empty>
        ) : (
          <>
            <table class="activity">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Operation</th>
                  <th>Who</th>
                  <th>Outcome</th>
                </tr>
              </thead>
              <tbody>
                {load.data.items.map((entry) => (
                  <ActivityRow key={entry.id} entry={entry} />
                ))}
              </tbody>
            </table>
            <Pager label="Activity" cursor={cursor} next={load.data.nextBefore} />
          </>
        )}
      </Card>
    </>
  );
}

function ActivityRow({ entry }: { entry: Entry }) {
  const operation = entry.operation
    ? (OPERATIONS[entry.operation] ?? entry.operation)
    : `${entry.method} /${entry.resourceType}`;
  const problem = entry.outcome !== 'success';
  return (
    <tr>
      <td>
        <Time value={entry.at} />
      </td>
      <td>{operation}</td>
      <td>{entry.subject ?? <span class="muted">{entry.resourceId ?? '—'}</span>}</td>
      <td>
        <span class={`badge ${entry.outcome}`}>{entry.outcome}</span> <span>{entry.status}</span>
        {problem && entry.errorDetail && <p class="detail">{entry.errorDetail}</p>}
        {problem && entry.requestId && (
          <p class="detail">
            Request id <code>{entry.requestId}</code>
          </p>
        )}
      </td>
    </tr>
  );
}

type FilterValues = {
  outcome: string;
  email: string;
  since: string;
  until: string;
};

function ActivityFilters(props: { values: FilterValues; onApply: (values: FilterValues) => void }) {
  return (
    <FilterForm label="Filter activity" values={props.values} onApply={props.onApply}>
      {(values, set) => (
        <>
          <div class="field">
            <label for="activity-outcome">Outcome</label>
            <select id="activity-outcome" value={values.outcome} onChange={set('outcome')}>
              <option value="">All</option>
              <option value="failure">Failures only</option>
              <option value="warning">Warnings</option>
              <option value="success">Succeeded</option>
            </select>
          </div>
          <div class="field">
            <label for="activity-email">Person (email)</label>
            <input
              id="activity-email"
              type="email"
              value={values.email}
              placeholder="dana@example.com"
              onInput={set('email')}
            />
          </div>
          <div class="field">
            <label for="activity-since">From</label>
            <input
              id="activity-since"
              type="datetime-local"
              value={values.since}
              onInput={set('since')}
            />
          </div>
          <div class="field">
            <label for="activity-until">Until</label>
            <input
              id="activity-until"
              type="datetime-local"
              value={values.until}
              onInput={set('until')}
            />
          </div>
          <div class="field">
            <button type="submit" class="primary">
              Apply filters
            </button>
          </div>
        </>
      )}
    </FilterForm>
  );
}
