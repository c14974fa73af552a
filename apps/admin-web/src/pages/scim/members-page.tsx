import type { Company } from '../../app';
import { api, errorMessage, Schemas, unwrap } from '../../api/client';
import { setQuery, useLocation } from '../../router';
import { openDialog } from '../../ui/dialog';
import { FilterForm } from '../../ui/filter-form';
import { Pager, useCursor } from '../../ui/pager';
import { Card, Empty, ErrorBox, Loading } from '../../ui/parts';
import { toast } from '../../ui/toasts';
import { useLoad } from '../../ui/use-load';
import { StaleReason } from './members-words';

type Member = Schemas['MemberView'];
type Role = Member['role'];
const ROLES: Role[] = ['member', 'admin', 'owner'];

/**
 * Who may enter: every member with status, role, source and drift. Paged by cursor (a
 * company of 100,000 members is never loaded whole); searched by the start of the email.
 */
export function MembersPage({ company }: { company: Company }) {
  const { query } = useLocation();
  const filters = {
    search: query.get('search') ?? '',
    status: query.get('status') ?? '',
    source: query.get('source') ?? '',
    stale: query.get('stale') ?? '',
  };
  const cursor = useCursor();
  const load = useLoad(
    () =>
      unwrap(
        api.GET('/api/companies/{companyId}/members', {
          params: {
            path: { companyId: company.id },
            query: {
              limit: 50,
              after: cursor.cursor,
              search: filters.search || undefined,
              status: (filters.status || undefined) as Member['status'] | undefined,
              source: (filters.source || undefined) as Member['source'] | undefined,
              stale: filters.stale ? filters.stale === 'true' : undefined,
            },
          },
        }),
      ),
    [company.id, filters.search, filters.status, filters.source, filters.stale, cursor.cursor],
  );
  const apply = (values: typeof filters) => {
    cursor.reset();
    setQuery(values);
  };
  return (
    <>
      <h1>Members</h1>
      <p class="subtitle">Who may enter this company, and whether SCIM agrees.</p>
      <MemberFilters values={filters} onApply={apply} />
      <Card id="members" title="Members">
        {load.state === 'loading' ? (
          <Loading />
        ) : load.state === 'error' ? (
          <ErrorBox error={load.error} />
        ) : load.data.items.length === 0 ? (
          <Empty>
            {Object.values(filters).some(Boolean)
              ? 'No member matches these filters.'
              : 'No members yet. People your identity provider assigns appear here.'}
          </Empty>
        ) : (
          <>
            <p class="muted" role="status">
              {load.data.total.toLocaleString()} member{load.data.total === 1 ? '' : 's'}
            </p>
            <table class="members">
              <thead>
                <tr>
                  <th>Email</th>
                  <th>Status</th>
                  <th>Role</th>
                  <th>Source</th>
                  <th>Drift</th>
                  <th>
                    <span class="skip">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {load.data.items.map((member) => (
                  <MemberRow
                    key={member.id}
                    company={company}
                    member={member}
                    onChange={load.reload}
                  />
                ))}
              </tbody>
            </table>
            <Pager label="Members" cursor={cursor} next={load.data.nextAfter} />
          </>
        )}
      </Card>
    </>
  );
}

function MemberRow(props: { company: Company; member: Member; onChange: () => void }) {
  const { member } = props;
  // Drift is allowed (CONTRACT.md) but the admin should know it is drift.
  const managedNote = member.managed
    ? 'This member is managed by SCIM: the change shows as drift until a reconciliation realigns it with the identity provider.'
    : null;
  const confirmStatus = async (status: 'active' | 'suspended') => {
    const what = status === 'active' ? 'Restore' : 'Suspend';
    const confirmed = await openDialog(
      `${what} ${member.email}?`,
      <>
        <p>
          {status === 'active'
            ? 'They can sign in again at once.'
            : 'They lose access at once; their sessions are revoked by the platform.'}
        </p>
        {managedNote && <p class="hint-text">{managedNote}</p>}
      </>,
      { confirm: what, danger: status === 'suspended' },
    );
    if (confirmed) await change({ status }, status === 'active' ? 'restored' : 'suspended');
  };
  const chooseRole = async () => {
    const choice = { role: member.role };
    const confirmed = await openDialog(
      `Change the role of ${member.email}`,
      <>
        <div class="field">
          <label for="member-role">Role</label>
          <select
            id="member-role"
            value={member.role}
            onChange={(event) => (choice.role = event.currentTarget.value as Role)}
          >
            {ROLES.map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
        </div>
        {managedNote && <p class="hint-text">{managedNote}</p>}
      </>,
      { confirm: 'Change role' },
    );
    if (confirmed && choice.role !== member.role)
      await change({ role: choice.role }, `now ${choice.role}`);
  };
  const change = async (patch: { status?: 'active' | 'suspended'; role?: Role }, done: string) => {
    try {
      await unwrap(
        api.PATCH('/api/companies/{companyId}/members/{memberId}', {
          params: { path: { companyId: props.company.id, memberId: member.id } },
          body: patch,
        }),
      );
      toast(`${member.email}: ${done}`);
      props.onChange();
    } catch (error) {
      toast(errorMessage(error), 'error');
    }
  };
  return (
    <tr>
      <td>{member.email}</td>
      <td>
        <span class={`badge ${member.status}`}>{member.status}</span>
      </td>
      <td>{member.role}</td>
      <td>
        {member.source}
        {member.managed && <span class="muted"> (managed)</span>}
      </td>
      <td>
        {member.stale ? (
          <StaleReason reason={member.staleReason} />
        ) : (
          <span class="muted">None</span>
        )}
      </td>
      <td class="row-actions">
        {member.status === 'active' ? (
          <button
            type="button"
            class="danger"
            aria-label={`Suspend ${member.email}`}
            onClick={() => confirmStatus('suspended')}
          >
            Suspend
          </button>
        ) : (
          <button
            type="button"
            aria-label={`Restore ${member.email}`}
            onClick={() => confirmStatus('active')}
          >
            Restore
          </button>
        )}
        <button
          type="button"
          aria-label={`Change the role of ${member.email}`}
          onClick={chooseRole}
        >
          Role
        </button>
      </td>
    </tr>
  );
}

type Filters = { search: string; status: string; source: string; stale: string };

function MemberFilters(props: { values: Filters; onApply: (values: Filters) => void }) {
  return (
    <FilterForm label="Find members" search values={props.values} onApply={props.onApply}>
      {(values, set) => (
        <>
          <div class="field">
            <label for="members-search">Email starts with</label>
            <input
              id="members-search"
              type="search"
              value={values.search}
              placeholder="dana@"
              onInput={set('search')}
            />
          </div>
          <div class="field">
            <label for="members-status">Status</label>
            <select id="members-status" value={values.status} onChange={set('status')}>
              <option value="">Any</option>
              <option value="active">Active</option>
              <option value="suspended">Suspended</option>
              <option value="deprovisioned">Deprovisioned</option>
            </select>
          </div>
          <div class="field">
            <label for="members-source">Source</label>
            <select id="members-source" value={values.source} onChange={set('source')}>
              <option value="">Any</option>
              <option value="scim">SCIM</option>
              <option value="sso">SSO sign-in</option>
              <option value="manual">Manual</option>
            </select>
          </div>
          <div class="field">
            <label for="members-stale">Drift</label>
            <select id="members-stale" value={values.stale} onChange={set('stale')}>
              <option value="">Any</option>
              <option value="true">Stale only</option>
              <option value="false">In sync</option>
            </select>
          </div>
          <div class="field">
            <button type="submit" class="primary">
              Search
            </button>
          </div>
        </>
      )}
    </FilterForm>
  );
}
