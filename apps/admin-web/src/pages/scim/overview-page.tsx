import { useState } from 'preact/hooks';
import { PageHead, type Company } from '../../app';
import { api, errorMessage, Schemas, unwrap } from '../../api/client';
import { Link } from '../../router';
import { openDialog } from '../../ui/dialog';
import { Card, Copyable, Empty, ErrorBox, formatTime, Loading, Time } from '../../ui/parts';
import { toast } from '../../ui/toasts';
import { useLoad } from '../../ui/use-load';
import { StaleReason } from './members-words';

type SyncStatus = Schemas['SyncStatusView'];
type Token = Schemas['TokenView'];

/** The seed page: the status card, the token manager and the API notes, with Reconcile. */
export function OverviewPage({ company }: { company: Company }) {
  const path = { companyId: company.id };
  const load = useLoad(
    () =>
      Promise.all([
        unwrap(api.GET('/api/companies/{companyId}/scim/status', { params: { path } })),
        unwrap(api.GET('/api/companies/{companyId}/scim/tokens', { params: { path } })),
      ]),
    [company.id],
  );
  const status = load.state === 'ok' ? load.data[0] : undefined;
  return (
    <>
      <PageHead page="scim" company={company}>
        <button type="button" onClick={load.reload}>
          Reload
        </button>
        <ReconcileButton company={company} status={status} onDone={load.reload} />
      </PageHead>
      {load.state === 'loading' ? (
        <Loading />
      ) : load.state === 'error' ? (
        <ErrorBox error={load.error} />
      ) : (
        <>
          {(!load.data[0].ssoConfigured || !load.data[0].enabled) && (
            <div class="notice" role="note">
              {load.data[0].ssoConfigured
                ? 'SCIM is turned off for this company. '
                : 'SSO is not configured for this company, so SCIM cannot be turned on. '}
              <Link href="/settings/sso">Go to the SSO settings</Link>
            </div>
          )}
          <StatusCard company={company} status={load.data[0]} />
          <TokenCard
            company={company}
            tokens={load.data[1]}
            status={load.data[0]}
            onChange={load.reload}
          />
          <NotesCard endpointUrl={load.data[0].endpointUrl} />
        </>
      )}
    </>
  );
}

function ReconcileButton(props: { company: Company; status?: SyncStatus; onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  // Reconcile compares members with what SCIM provisioned: nothing to do while SCIM is off.
  const off = props.status !== undefined && !props.status.enabled;
  const reconcile = async () => {
    setBusy(true);
    try {
      const run = await unwrap(
        api.POST('/api/companies/{companyId}/scim/reconcile', {
          params: { path: { companyId: props.company.id } },
        }),
      );
      toast(
        run.status === 'running'
          ? 'A reconciliation is already running'
          : `Reconciliation finished: ${run.fixed} fixed`,
      );
      props.onDone();
    } catch (error) {
      toast(errorMessage(error), 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        class="primary"
        disabled={busy || off || props.status === undefined}
        aria-describedby={off ? 'reconcile-reason' : undefined}
        onClick={reconcile}
      >
        Reconcile
      </button>
      {off && (
        <p id="reconcile-reason" class="hint">
          {props.status!.ssoConfigured
            ? 'Reconcile is available once SCIM is turned on.'
            : 'Reconcile is available once SSO is configured and SCIM is turned on.'}
        </p>
      )}
    </>
  );
}

function StatusCard({ company, status }: { company: Company; status: SyncStatus }) {
  const last = status.lastReconciliation;
  return (
    <Card id="status" title="SCIM Sync Status">
      <dl class="grid">
        <div>
          <dt>SCIM</dt>
          <dd>{status.enabled ? 'Enabled' : 'Disabled'}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>
            <span class={`badge ${status.status}`}>{status.status.replace('_', ' ')}</span>
          </dd>
        </div>
        <div>
          <dt>Last sync</dt>
          <dd>
            <Time value={status.lastSyncAt} />
          </dd>
        </div>
        <div>
          <dt>Last sync error</dt>
          <dd>
            {status.lastSyncError ? (
              <>
                {`${status.lastSyncError.detail} (${formatTime(status.lastSyncError.at)})`}{' '}
                <Link href="/settings/scim/activity?outcome=failure">See failures</Link>
              </>
            ) : (
              'None'
            )}
          </dd>
        </div>
        <div>
          <dt>Managed memberships</dt>
          <dd data-testid="managed">{String(status.managedMemberships)}</dd>
        </div>
        <div>
          <dt>Stale memberships</dt>
          <dd data-testid="stale">
            <button type="button" class="link" onClick={() => showStale(company)}>
              {String(status.staleMemberships)}
            </button>
          </dd>
        </div>
        <div>
          <dt>Last reconciliation</dt>
          <dd>
            {last
              ? `${last.status}, ${last.fixed} fixed (${formatTime(last.finishedAt || last.startedAt)})`
              : 'Never'}
          </dd>
        </div>
      </dl>
      {/* Things that did not fail a request but need a look (README: "Sync status rules"). */}
      {status.warnings.map((warning) => (
        <p key={warning.code} class="status-warning" role="note" data-warning={warning.code}>
          {warning.detail}
        </p>
      ))}
    </Card>
  );
}

async function showStale(company: Company) {
  try {
    const list = await unwrap(
      api.GET('/api/companies/{companyId}/members', {
        params: { path: { companyId: company.id }, query: { stale: true, limit: 100 } },
      }),
    );
    await openDialog(
      'Stale memberships',
      list.items.length ? (
        <table>
          <thead>
            <tr>
              <th>Email</th>
              <th>Status</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((member) => (
              <tr key={member.id}>
                <td>{member.email}</td>
                <td>{member.status}</td>
                <td>
                  <StaleReason reason={member.staleReason} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>No stale memberships.</p>
      ),
    );
  } catch (error) {
    toast(errorMessage(error), 'error');
  }
}

function TokenCard(props: {
  company: Company;
  tokens: Token[];
  status: SyncStatus;
  onChange: () => void;
}) {
  const path = { companyId: props.company.id };
  const [label, setLabel] = useState('');
  const [labelError, setLabelError] = useState('');
  const [busy, setBusy] = useState(false);

  const create = async (event: Event) => {
    event.preventDefault();
    setLabelError('');
    if (!label.trim()) {
      setLabelError('Give the token a label (1 to 100 characters).');
      document.getElementById('token-label')?.focus();
      return;
    }
    setBusy(true);
    try {
      const created = await unwrap(
        api.POST('/api/companies/{companyId}/scim/tokens', { params: { path }, body: { label } }),
      );
      await showCreatedToken(created);
      setLabel('');
      props.onChange();
    } catch (error) {
      setLabelError(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (token: Token) => {
    const confirmed = await openDialog(
      'Revoke this token?',
      <p>Identity providers using "{token.label}" will be refused from their very next request.</p>,
      { confirm: 'Revoke', danger: true },
    );
    if (!confirmed) return;
    try {
      await unwrap(
        api.POST('/api/companies/{companyId}/scim/tokens/{tokenId}/revoke', {
          params: { path: { ...path, tokenId: token.id } },
        }),
      );
      toast(`Token "${token.label}" revoked`);
      props.onChange();
    } catch (error) {
      toast(errorMessage(error), 'error');
    }
  };

  return (
    <Card id="tokens" title="SCIM Token Manager">
      {props.status.enabled ? (
        <form class="row" onSubmit={create} noValidate>
          <div class="field">
            <label for="token-label">Label</label>
            <input
              id="token-label"
              name="label"
              maxLength={100}
              required
              placeholder="e.g. Okta production"
              aria-describedby="token-label-error"
              value={label}
              onInput={(event) => setLabel(event.currentTarget.value)}
            />
            <span id="token-label-error" class="invalid" aria-live="polite">
              {labelError}
            </span>
          </div>
          <div class="field">
            <button type="submit" class="primary" disabled={busy}>
              Create token
            </button>
          </div>
        </form>
      ) : (
        <Empty>Turn SCIM on in the SSO settings to create tokens.</Empty>
      )}
      {props.tokens.length ? (
        <TokenTable tokens={props.tokens} onRevoke={revoke} />
      ) : (
        <Empty>No tokens yet. Create your first one here to connect your identity provider.</Empty>
      )}
      <div class="spaced">
        <DeleteConfigurationButton company={props.company} onDone={props.onChange} />
      </div>
    </Card>
  );
}

export function TokenTable(props: { tokens: Token[]; onRevoke?: (token: Token) => void }) {
  return (
    <table>
      <thead>
        <tr>
          <th>Label</th>
          <th>Prefix</th>
          <th>Status</th>
          <th>Created</th>
          <th>Last used</th>
          {props.onRevoke && (
            <th>
              <span class="skip">Actions</span>
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        {props.tokens.map((token) => (
          <tr key={token.id}>
            <td>{token.label}</td>
            <td>
              <code>{token.prefix}…</code>
            </td>
            <td>
              <span class={`badge ${token.status}`}>{token.status}</span>
            </td>
            <td>
              <Time value={token.createdAt} />
            </td>
            <td>
              <Time value={token.lastUsedAt} />
            </td>
            {props.onRevoke && (
              <td>
                {token.status === 'active' && (
                  <button
                    type="button"
                    class="danger"
                    aria-label={`Revoke ${token.label}`}
                    onClick={() => props.onRevoke!(token)}
                  >
                    Revoke
                  </button>
                )}
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The shown-once dialog: the bearer token and the endpoint URL, each with a copy button. */
export function showCreatedToken(created: Schemas['CreatedTokenView']): Promise<boolean> {
  return openDialog('Your new provisioning token', [
    <p class="warning">Copy this token now. It will not be shown again.</p>,
    <p>Token</p>,
    <Copyable label="Token" value={created.token} />,
    <p>SCIM endpoint URL</p>,
    <Copyable label="Endpoint URL" value={created.endpointUrl} />,
  ]);
}

export function DeleteConfigurationButton(props: {
  company: Company;
  onDone: () => void;
  label?: string;
}) {
  const remove = async () => {
    const confirmed = await openDialog(
      'Delete the SCIM configuration?',
      <p>
        This revokes every provisioning token and turns SCIM off. Identity providers will be refused
        at once; members stay as they are until you reconcile.
      </p>,
      { confirm: 'Delete configuration', danger: true },
    );
    if (!confirmed) return;
    try {
      const result = await unwrap(
        api.DELETE('/api/companies/{companyId}/scim', {
          params: { path: { companyId: props.company.id } },
        }),
      );
      toast(`SCIM configuration deleted (${result.revokedTokens} tokens revoked)`);
      props.onDone();
    } catch (error) {
      toast(errorMessage(error), 'error');
    }
  };
  return (
    <button type="button" class="danger" onClick={remove}>
      {props.label ?? 'Delete SCIM configuration'}
    </button>
  );
}

function NotesCard({ endpointUrl }: { endpointUrl: string }) {
  return (
    <Card id="notes" title="SCIM API notes">
      <p>
        Give your identity provider this endpoint URL and a provisioning token (sent as
        Authorization: Bearer &lt;token&gt;).
      </p>
      <Copyable label="Endpoint URL" value={endpointUrl} />
      {['/Users', '/Groups', '/Bulk', '/ServiceProviderConfig', '/Schemas', '/ResourceTypes'].map(
        (resource) => (
          <Copyable
            key={resource}
            label={`${resource} endpoint`}
            value={`${endpointUrl}${resource}`}
          />
        ),
      )}
    </Card>
  );
}
