import { useEffect, useState } from 'preact/hooks';
import type { Company } from '../../app';
import { api, errorMessage, Schemas, unwrap } from '../../api/client';
import { openDialog } from '../../ui/dialog';
import { Card, Empty, ErrorBox, Loading, Time } from '../../ui/parts';
import { toast } from '../../ui/toasts';
import { useLoad } from '../../ui/use-load';

type Policy = Schemas['AccessPolicyView'];
type Role = Policy['defaultRole'];
type Change = Schemas['PreviewAccessChangeDto'];
const ROLES: Role[] = ['member', 'admin', 'owner'];

/**
 * Group-based access: which SCIM group gives which role, the default role, and whether a
 * mapped group is required. Every change is previewed first ("this change suspends 12
 * members"), then saved only if the admin confirms what it does.
 */
export function AccessPage({ company }: { company: Company }) {
  const path = { companyId: company.id };
  const load = useLoad(
    () => unwrap(api.GET('/api/companies/{companyId}/scim/access', { params: { path } })),
    [company.id],
  );

  /** Previews the change, shows what it does, and applies it once confirmed. */
  const withPreview = async (change: Change, title: string, apply: () => Promise<unknown>) => {
    try {
      const preview = await unwrap(
        api.POST('/api/companies/{companyId}/scim/access/preview', {
          params: { path },
          body: change,
        }),
      );
      const confirmed = await openDialog(title, <Consequences preview={preview} />, {
        confirm: 'Save change',
        danger: preview.revoked > 0,
      });
      if (!confirmed) return false;
      await apply();
      toast('Access saved');
      load.reload();
      return true;
    } catch (error) {
      toast(errorMessage(error), 'error');
      return false;
    }
  };

  return (
    <>
      <h1>Access</h1>
      <p class="subtitle">Which SCIM groups give which role, and who may enter without one.</p>
      {load.state === 'loading' ? (
        <Loading />
      ) : load.state === 'error' ? (
        <ErrorBox error={load.error} />
      ) : (
        <>
          <PolicyCard
            policy={load.data}
            onSave={(policy) =>
              withPreview({ policy }, 'Save the access policy?', () =>
                unwrap(
                  api.PUT('/api/companies/{companyId}/scim/access', {
                    params: { path },
                    body: policy,
                  }),
                ),
              )
            }
          />
          <MappingsCard
            company={company}
            policy={load.data}
            onAdd={(mapping) =>
              withPreview(
                { addMapping: mapping },
                `Map "${mapping.displayName}" to ${mapping.role}?`,
                () =>
                  unwrap(
                    api.POST('/api/companies/{companyId}/scim/group-mappings', {
                      params: { path },
                      body: mapping,
                    }),
                  ),
              )
            }
            onRemove={(mapping) =>
              withPreview(
                { removeMappingId: mapping.id },
                `Remove the mapping of "${mapping.displayName ?? mapping.groupId}"?`,
                () =>
                  unwrap(
                    api.DELETE('/api/companies/{companyId}/scim/group-mappings/{mappingId}', {
                      params: { path: { ...path, mappingId: mapping.id } },
                    }),
                  ),
              )
            }
          />
        </>
      )}
    </>
  );
}

/** What a change does to members, from its rehearsal. */
function Consequences({ preview }: { preview: Schemas['AccessPreviewView'] }) {
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  const lines = [
    preview.revoked && `suspends ${plural(preview.revoked, 'member', 'members')}`,
    preview.granted && `gives ${plural(preview.granted, 'member', 'members')} access back`,
    preview.roleChanged &&
      `changes the role of ${plural(preview.roleChanged, 'member', 'members')}`,
  ].filter(Boolean);
  return (
    <div data-testid="consequences">
      <p class={preview.revoked ? 'warning' : undefined}>
        {lines.length ? `This change ${lines.join(', ')}.` : 'This change changes no member.'}
      </p>
      {preview.members.length > 0 && (
        <ul class="consequences">
          {preview.members.map((member) => (
            <li key={`${member.memberId}-${member.change}`}>
              {member.email}:{' '}
              {member.change === 'role_changed'
                ? `${member.previousRole} → ${member.role}`
                : member.change === 'revoked'
                  ? `${member.previousStatus} → ${member.status}`
                  : 'access back'}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function PolicyCard(props: {
  policy: Policy;
  onSave: (policy: { defaultRole: Role; requireGroupMembership: boolean }) => Promise<boolean>;
}) {
  const [defaultRole, setDefaultRole] = useState(props.policy.defaultRole);
  const [required, setRequired] = useState(props.policy.requireGroupMembership);
  useEffect(() => {
    setDefaultRole(props.policy.defaultRole);
    setRequired(props.policy.requireGroupMembership);
  }, [props.policy]);
  const changed =
    defaultRole !== props.policy.defaultRole || required !== props.policy.requireGroupMembership;
  return (
    <Card id="policy" title="Access policy">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void props.onSave({ defaultRole, requireGroupMembership: required });
        }}
      >
        <div class="field">
          <label for="access-default-role">Default role</label>
          <select
            id="access-default-role"
            value={defaultRole}
            onChange={(event) => setDefaultRole(event.currentTarget.value as Role)}
            aria-describedby="access-default-role-hint"
          >
            {ROLES.map((role) => (
              <option key={role} value={role}>
                {role}
              </option>
            ))}
          </select>
          <span id="access-default-role-hint" class="hint">
            What provisioned people get when no mapped group gives them a role.
          </span>
        </div>
        <div class="field">
          <label>
            <input
              type="checkbox"
              checked={required}
              onChange={(event) => setRequired(event.currentTarget.checked)}
            />{' '}
            Require group membership
          </label>
          <span class="hint">Only people in a mapped group may enter.</span>
        </div>
        <button type="submit" class="primary" disabled={!changed}>
          Preview and save
        </button>
      </form>
    </Card>
  );
}

function MappingsCard(props: {
  company: Company;
  policy: Policy;
  onAdd: (mapping: { displayName: string; role: Role }) => Promise<boolean>;
  onRemove: (mapping: Policy['mappings'][number]) => Promise<boolean>;
}) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [error, setError] = useState('');
  const suggestions = useGroupSuggestions(props.company, name);
  return (
    <Card id="mappings" title="Group mappings">
      {props.policy.mappings.length ? (
        <table>
          <thead>
            <tr>
              <th>SCIM group</th>
              <th>Role</th>
              <th>Added</th>
              <th>
                <span class="skip">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {props.policy.mappings.map((mapping) => (
              <tr key={mapping.id}>
                <td>{mapping.displayName ?? <code>{mapping.groupId}</code>}</td>
                <td>{mapping.role}</td>
                <td>
                  <Time value={mapping.createdAt} />
                </td>
                <td>
                  <button
                    type="button"
                    class="danger"
                    aria-label={`Remove the mapping of ${mapping.displayName ?? mapping.groupId}`}
                    onClick={() => props.onRemove(mapping)}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <Empty>No mappings: SCIM does not manage roles; everyone gets the default role.</Empty>
      )}
      <form
        class="row spaced"
        onSubmit={async (event) => {
          event.preventDefault();
          setError('');
          if (!name.trim()) {
            setError('Give the name of a SCIM group.');
            return;
          }
          if (await props.onAdd({ displayName: name.trim(), role })) setName('');
        }}
      >
        <div class="field">
          <label for="mapping-group">SCIM group name</label>
          <input
            id="mapping-group"
            list="mapping-group-suggestions"
            autoComplete="off"
            value={name}
            aria-describedby="mapping-group-error"
            onInput={(event) => setName(event.currentTarget.value)}
          />
          <datalist id="mapping-group-suggestions">
            {suggestions.map((group) => (
              <option key={group.id} value={group.displayName}>
                {`${group.memberCount} member${group.memberCount === 1 ? '' : 's'}`}
              </option>
            ))}
          </datalist>
          <span id="mapping-group-error" class="invalid" aria-live="polite">
            {error}
          </span>
        </div>
        <div class="field">
          <label for="mapping-role">Role</label>
          <select
            id="mapping-role"
            value={role}
            onChange={(event) => setRole(event.currentTarget.value as Role)}
          >
            {ROLES.map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <button type="submit" class="primary">
            Preview and add
          </button>
        </div>
      </form>
    </Card>
  );
}

/** SCIM groups whose name starts with what was typed (a quarter second after the last key). */
function useGroupSuggestions(company: Company, typed: string) {
  const [groups, setGroups] = useState<Schemas['ScimGroupSuggestionView'][]>([]);
  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      unwrap(
        api.GET('/api/companies/{companyId}/scim/groups', {
          params: { path: { companyId: company.id }, query: { search: typed.trim(), limit: 20 } },
        }),
      ).then(
        (found) => current && setGroups(found),
        () => current && setGroups([]),
      );
    }, 250);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [company.id, typed]);
  return groups;
}
