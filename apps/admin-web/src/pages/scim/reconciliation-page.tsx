import { useState } from 'preact/hooks';
import type { Company } from '../../app';
import { api, ApiError, errorMessage, Schemas, unwrap } from '../../api/client';
import { openDialog } from '../../ui/dialog';
import { Pager, useCursor } from '../../ui/pager';
import { Card, Empty, ErrorBox, Loading, Time } from '../../ui/parts';
import { toast } from '../../ui/toasts';
import { useLoad } from '../../ui/use-load';
import { StaleReason } from './members-words';

type Run = Schemas['ReconciliationRunView'];

/**
 * Reconciliation: what a Reconcile would change (Preview, a dry run), applying exactly that,
 * the automatic-repair setting, and the history of runs with each run's changes.
 */
export function ReconciliationPage({ company }: { company: Company }) {
  const path = { companyId: company.id };
  const runs = useLoad(
    () => unwrap(api.GET('/api/companies/{companyId}/scim/reconciliations', { params: { path } })),
    [company.id],
  );
  return (
    <>
      <h1>Reconciliation</h1>
      <p class="subtitle">Realign members with what the identity provider says.</p>
      <PreviewCard company={company} onReconciled={runs.reload} />
      <SettingsCard company={company} />
      <Card id="runs" title="History">
        {runs.state === 'loading' ? (
          <Loading />
        ) : runs.state === 'error' ? (
          <ErrorBox error={runs.error} />
        ) : runs.data.length === 0 ? (
          <Empty>No reconciliation has run yet.</Empty>
        ) : (
          <RunTable company={company} runs={runs.data} />
        )}
      </Card>
    </>
  );
}

function PreviewCard(props: { company: Company; onReconciled: () => void }) {
  const path = { companyId: props.company.id };
  const cursor = useCursor();
  const [shown, setShown] = useState(false);
  const [moved, setMoved] = useState('');
  const [busy, setBusy] = useState(false);
  // Nothing is asked of the API until the admin asks for a preview.
  const preview = useLoad(
    async () =>
      shown
        ? unwrap(
            api.GET('/api/companies/{companyId}/scim/reconcile/preview', {
              params: { path, query: { limit: 50, after: cursor.cursor } },
            }),
          )
        : undefined,
    [shown, cursor.cursor, props.company.id],
  );
  const plan = preview.state === 'ok' ? preview.data : undefined;
  /** The plan as it is now, from its first page. */
  const refresh = () => {
    cursor.reset();
    preview.reload();
  };
  const reconcile = async (fingerprint: string, total: number) => {
    const confirmed = await openDialog(
      'Reconcile now?',
      <p>{`This changes the ${total} member${total === 1 ? '' : 's'} the preview shows, and nothing else.`}</p>,
      { confirm: 'Reconcile', danger: true },
    );
    if (!confirmed) return;
    setBusy(true);
    try {
      const run = await unwrap(
        api.POST('/api/companies/{companyId}/scim/reconcile', {
          params: { path },
          body: { preview: fingerprint },
        }),
      );
      toast(
        run.status === 'running'
          ? 'A reconciliation is already running'
          : `Reconciliation finished: ${run.fixed} fixed`,
      );
      setMoved('');
      props.onReconciled();
      refresh();
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        // The plan moved since it was shown: show the new one, and say so.
        setMoved(error.message);
        refresh();
      } else toast(errorMessage(error), 'error');
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card id="preview" title="Preview">
      <p>See what a Reconcile would change, member by member, before anything changes.</p>
      {moved && (
        <div class="notice" role="alert">
          {moved}. The preview below is the new one.
        </div>
      )}
      {!shown ? (
        <button type="button" class="primary" onClick={() => setShown(true)}>
          Preview
        </button>
      ) : preview.state === 'error' ? (
        <ErrorBox error={preview.error} />
      ) : !plan ? (
        <Loading />
      ) : plan.total === 0 ? (
        <>
          <Empty>Nothing to reconcile: every member agrees with the identity provider.</Empty>
          <button type="button" onClick={refresh}>
            Preview again
          </button>
        </>
      ) : (
        <>
          <p role="status">
            <strong>
              {`Reconcile would change ${plan.total} member${plan.total === 1 ? '' : 's'}.`}
            </strong>
          </p>
          <ChangeTable changes={plan.changes} before="Now" />
          <Pager label="Preview" cursor={cursor} next={plan.nextAfter} />
          <div class="actions start spaced">
            <button
              type="button"
              class="primary"
              disabled={busy}
              onClick={() => reconcile(plan.fingerprint, plan.total)}
            >
              Reconcile these changes
            </button>
            <button type="button" onClick={refresh}>
              Preview again
            </button>
          </div>
        </>
      )}
    </Card>
  );
}

/** Members changed (or to be changed) by a reconciliation: why, and their state on each side. */
function ChangeTable(props: {
  changes: Pick<
    Schemas['ReconciliationChangeView'],
    'memberId' | 'email' | 'reason' | 'before' | 'after'
  >[];
  before: 'Now' | 'Before';
}) {
  return (
    <table>
      <thead>
        <tr>
          <th>Email</th>
          <th>Why</th>
          <th>{props.before}</th>
          <th>After</th>
        </tr>
      </thead>
      <tbody>
        {props.changes.map((change) => (
          <tr key={change.memberId}>
            <td>{change.email}</td>
            <td>
              <StaleReason reason={change.reason} />
            </td>
            <td>{describe(change.before)}</td>
            <td>{describe(change.after)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A member's state in a few words: "active, admin, managed". */
function describe(state: Record<string, unknown>): string {
  return [state.status, state.role, state.managed ? 'managed' : 'not managed']
    .filter(Boolean)
    .join(', ');
}

function SettingsCard({ company }: { company: Company }) {
  const path = { companyId: company.id };
  const load = useLoad(
    () =>
      unwrap(
        api.GET('/api/companies/{companyId}/scim/reconciliation-settings', { params: { path } }),
      ),
    [company.id],
  );
  const save = async (body: Schemas['ReconciliationSettingsView']) => {
    try {
      await unwrap(
        api.PUT('/api/companies/{companyId}/scim/reconciliation-settings', {
          params: { path },
          body,
        }),
      );
      toast('Reconciliation settings saved');
      load.reload();
    } catch (error) {
      toast(errorMessage(error), 'error');
    }
  };
  return (
    <Card id="reconciliation-settings" title="Automatic repair">
      {load.state === 'loading' ? (
        <Loading />
      ) : load.state === 'error' ? (
        <ErrorBox error={load.error} />
      ) : (
        <>
          <div class="field">
            <label>
              <input
                type="checkbox"
                checked={load.data.autoRepair}
                onChange={(event) =>
                  save({ ...load.data, autoRepair: event.currentTarget.checked })
                }
              />{' '}
              Repair drift on every scheduled run
            </label>
            <span class="hint">Off: scheduled runs only count what drifted.</span>
          </div>
          <div class="field">
            <label for="orphan-policy">When SCIM no longer provisions a member</label>
            <select
              id="orphan-policy"
              value={load.data.orphanPolicy}
              onChange={(event) =>
                save({
                  ...load.data,
                  orphanPolicy: event.currentTarget.value as 'release' | 'suspend',
                })
              }
            >
              <option value="release">Release it to manual management</option>
              <option value="suspend">Suspend it</option>
            </select>
          </div>
        </>
      )}
    </Card>
  );
}

function RunTable({ company, runs }: { company: Company; runs: Run[] }) {
  const showChanges = async (run: Run) => {
    try {
      const changes = await unwrap(
        api.GET('/api/companies/{companyId}/scim/reconciliations/{runId}/changes', {
          params: { path: { companyId: company.id, runId: run.id } },
        }),
      );
      await openDialog(
        'Changes of this run',
        changes.length ? (
          <ChangeTable changes={changes} before="Before" />
        ) : (
          <p>This run changed nothing.</p>
        ),
      );
    } catch (error) {
      toast(errorMessage(error), 'error');
    }
  };
  return (
    <table>
      <thead>
        <tr>
          <th>Started</th>
          <th>Trigger</th>
          <th>Mode</th>
          <th>Started by</th>
          <th>Found</th>
          <th>Fixed</th>
          <th>Status</th>
          <th>
            <span class="skip">Changes</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.id}>
            <td>
              <Time value={run.startedAt} />
            </td>
            <td>{run.trigger}</td>
            <td>{run.mode}</td>
            <td>{run.startedBy ?? 'schedule'}</td>
            <td>{run.staleFound}</td>
            <td>{run.fixed}</td>
            <td>
              <span class={`badge ${run.status}`}>{run.status}</span>
              {run.error && <p class="detail">{run.error}</p>}
            </td>
            <td>
              <button
                type="button"
                aria-label={`Changes of the run started ${new Date(run.startedAt).toLocaleString()}`}
                onClick={() => showChanges(run)}
              >
                Changes
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
