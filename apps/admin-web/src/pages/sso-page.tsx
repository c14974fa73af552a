import { useState } from 'preact/hooks';
import { PageHead, type Company } from '../app';
import { api, ApiError, errorMessage, Schemas, unwrap } from '../api/client';
import { Card, Copyable, Empty, ErrorBox, Loading, Time } from '../ui/parts';
import { toast } from '../ui/toasts';
import { useLoad } from '../ui/use-load';
import { DeleteConfigurationButton, showCreatedToken } from './scim/overview-page';

type Sso = Schemas['SsoConnectionView'];
type Protocol = NonNullable<Sso['protocol']>;
const PROTOCOLS: { value: Protocol; label: string }[] = [
  { value: 'saml', label: 'SAML' },
  { value: 'oidc', label: 'OIDC' },
  { value: 'entra', label: 'Microsoft Entra ID' },
];

/** The SSO connection, and below it the SCIM provisioning it makes possible. */
export function SsoPage({ company }: { company: Company }) {
  const path = { companyId: company.id };
  const load = useLoad(
    () =>
      Promise.all([
        unwrap(api.GET('/api/companies/{companyId}/sso', { params: { path } })),
        unwrap(api.GET('/api/companies/{companyId}/scim/status', { params: { path } })),
        unwrap(api.GET('/api/companies/{companyId}/scim/tokens', { params: { path } })),
      ]),
    [company.id],
  );
  return (
    <>
      <PageHead page="sso" company={company} />
      {load.state === 'loading' ? (
        <Loading />
      ) : load.state === 'error' ? (
        <ErrorBox error={load.error} />
      ) : (
        <>
          <SsoForm company={company} sso={load.data[0]} onSaved={load.reload} />
          <ScimSection
            company={company}
            status={load.data[1]}
            tokens={load.data[2]}
            onChange={load.reload}
          />
        </>
      )}
    </>
  );
}

const FIELDS = ['entityId', 'ssoUrl', 'issuer', 'clientId'] as const;
type Field = (typeof FIELDS)[number];

function SsoForm(props: { company: Company; sso: Sso; onSaved: () => void }) {
  const { sso } = props;
  const [protocol, setProtocol] = useState<Protocol>(sso.protocol ?? 'saml');
  const [values, setValues] = useState<Record<Field, string>>({
    entityId: sso.entityId ?? '',
    ssoUrl: sso.ssoUrl ?? '',
    issuer: sso.issuer ?? '',
    clientId: sso.clientId ?? '',
  });
  const [scimEnabled, setScimEnabled] = useState(sso.scimEnabled);
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = useState<unknown>(null);

  const save = async (event: Event) => {
    event.preventDefault();
    setErrors({});
    setFormError(null);
    const body =
      protocol === 'saml'
        ? { protocol, entityId: values.entityId, ssoUrl: values.ssoUrl, scimEnabled }
        : { protocol, issuer: values.issuer, clientId: values.clientId, scimEnabled };
    try {
      await unwrap(
        api.PUT('/api/companies/{companyId}/sso', {
          params: { path: { companyId: props.company.id } },
          body,
        }),
      );
      toast('SSO settings saved');
      props.onSaved();
    } catch (error) {
      // A 400 names the field it refuses ("ssoUrl must be an https URL"): shown beside it.
      const placed: Partial<Record<Field, string>> = {};
      if (error instanceof ApiError)
        for (const message of error.fields) {
          const field = FIELDS.find((name) => message.startsWith(name));
          if (field) placed[field] = message;
        }
      if (Object.keys(placed).length) setErrors(placed);
      else setFormError(error);
    }
  };

  const field = (name: Field, label: string, hint?: string) => (
    <div class="field">
      <label for={`sso-${name}`}>{label}</label>
      <input
        id={`sso-${name}`}
        name={name}
        value={values[name]}
        aria-describedby={`sso-${name}-error`}
        aria-invalid={errors[name] ? true : undefined}
        onInput={(event) => setValues({ ...values, [name]: event.currentTarget.value })}
      />
      {hint && <span class="hint">{hint}</span>}
      <span id={`sso-${name}-error`} class="invalid" aria-live="polite">
        {errors[name]}
      </span>
    </div>
  );

  return (
    <form class="card" onSubmit={save} aria-labelledby="sso-title" noValidate>
      <h2 id="sso-title">SSO connection</h2>
      <div class="field">
        <label for="sso-protocol">Protocol</label>
        <select
          id="sso-protocol"
          name="protocol"
          value={protocol}
          onChange={(event) => setProtocol(event.currentTarget.value as Protocol)}
        >
          {PROTOCOLS.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </div>
      {protocol === 'saml' ? (
        <div>
          {field('entityId', 'IdP entity ID')}
          {field('ssoUrl', 'IdP sign-on URL', 'An https URL')}
        </div>
      ) : (
        <div>
          {field('issuer', 'Issuer URL', 'An https URL')}
          {field('clientId', 'Client ID')}
        </div>
      )}
      <div class="field">
        <label>
          <input
            type="checkbox"
            id="sso-scim"
            name="scimEnabled"
            checked={scimEnabled}
            onChange={(event) => setScimEnabled(event.currentTarget.checked)}
          />{' '}
          Turn SCIM provisioning on
        </label>
      </div>
      <div aria-live="polite">{formError !== null && <ErrorBox error={formError} />}</div>
      <button type="submit" class="primary">
        Save
      </button>
    </form>
  );
}

/**
 * "SCIM Provisioning" under the SSO connection, as the platform's setup guide has it: generate
 * a token (shown once, with the endpoint URL), then the endpoint and when the token was made,
 * and deleting the whole configuration.
 */
function ScimSection(props: {
  company: Company;
  status: Schemas['SyncStatusView'];
  tokens: Schemas['TokenView'][];
  onChange: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const active = props.tokens.filter((token) => token.status === 'active');
  const generate = async () => {
    setBusy(true);
    try {
      const created = await unwrap(
        api.POST('/api/companies/{companyId}/scim/tokens', {
          params: { path: { companyId: props.company.id } },
          body: { label: `SCIM token ${new Date().toISOString().slice(0, 10)}` },
        }),
      );
      await showCreatedToken(created);
      props.onChange();
    } catch (error) {
      toast(errorMessage(error), 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card id="scim-provisioning" title="SCIM Provisioning">
      {!props.status.enabled ? (
        <Empty>
          {props.status.ssoConfigured
            ? 'Turn SCIM provisioning on above and save, then generate a token here.'
            : 'Save an SSO connection with SCIM provisioning turned on, then generate a token here.'}
        </Empty>
      ) : active.length === 0 ? (
        <>
          <p>
            Generate a token for your identity provider. It is shown once, with the endpoint URL to
            paste beside it.
          </p>
          <button type="button" class="primary" disabled={busy} onClick={generate}>
            Generate token
          </button>
        </>
      ) : (
        <>
          <dl class="grid">
            <div>
              <dt>Status</dt>
              <dd>Configured</dd>
            </div>
            <div>
              <dt>Token created</dt>
              <dd>
                <Time value={active[0].createdAt} />
              </dd>
            </div>
            <div>
              <dt>Active tokens</dt>
              <dd>{active.length}</dd>
            </div>
          </dl>
          <p>SCIM endpoint URL</p>
          <Copyable label="Endpoint URL" value={props.status.endpointUrl} />
          <div class="actions start spaced">
            <button type="button" disabled={busy} onClick={generate}>
              Generate another token
            </button>
            <DeleteConfigurationButton
              company={props.company}
              onDone={props.onChange}
              label="Delete configuration"
            />
          </div>
        </>
      )}
    </Card>
  );
}
