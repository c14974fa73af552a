// The admin console: a small single-page app over the admin API (CONTRACT.md). No framework,
// no build step: the server serves these files at /settings/... . Text is always set through
// textContent, never as HTML, so nothing the API returns can inject markup.

const TOKEN_KEY = 'scim-admin-token';
const COMPANY_KEY = 'scim-admin-company';

// The platform (or `npm run cli -- admin-token --url`) hands the JWT over in the fragment,
// which browsers never send to a server. Keep it for this tab only and clear the address bar.
(function takeTokenFromFragment() {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
})();

const state = { companies: [], companyId: sessionStorage.getItem(COMPANY_KEY) || '' };

class ApiError extends Error {
  constructor(status, body) {
    const message = Array.isArray(body?.message)
      ? body.message.join('; ')
      : body?.message || body?.detail || `Request failed (HTTP ${status})`;
    super(message);
    this.status = status;
    this.fields = Array.isArray(body?.message) ? body.message : [];
  }
}

async function api(method, path, body) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const response = await fetch(path, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { message: text.slice(0, 200) };
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** h('div', { class: 'x', onclick }, 'text', child) — builds DOM without innerHTML. */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) element.addEventListener(key.slice(2), value);
    else if (key === 'class') element.className = value;
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

function toast(message, kind = 'ok') {
  const item = h('div', { class: `toast ${kind === 'error' ? 'error' : ''}` }, message);
  document.getElementById('toasts').append(item);
  setTimeout(() => item.remove(), 5000);
}

function formatTime(value) {
  return value ? new Date(value).toLocaleString() : 'Never';
}

async function copy(text, what) {
  try {
    await navigator.clipboard.writeText(text);
    toast(`${what} copied`);
  } catch {
    toast(`Could not copy the ${what.toLowerCase()}: select it and copy by hand`, 'error');
  }
}

function copyable(label, value) {
  return h(
    'div',
    { class: 'copyable' },
    h('code', {}, value),
    h(
      'button',
      { type: 'button', 'aria-label': `Copy ${label}`, onclick: () => copy(value, label) },
      'Copy',
    ),
  );
}

/** A modal dialog; resolves with true when confirmed. */
function openDialog(title, body, { confirm, danger, cancel = 'Cancel' } = {}) {
  const dialog = document.getElementById('dialog');
  dialog.replaceChildren();
  return new Promise((resolve) => {
    const close = (result) => {
      dialog.close();
      resolve(result);
    };
    // Whatever the dialog showed (a new token) leaves the page when it closes.
    dialog.addEventListener('close', () => dialog.replaceChildren(), { once: true });
    dialog.append(
      h('h2', { id: 'dialog-title' }, title),
      ...[body].flat(),
      h(
        'div',
        { class: 'actions', style: 'margin-top:16px;justify-content:flex-end' },
        h('button', { type: 'button', onclick: () => close(false) }, confirm ? cancel : 'Close'),
        confirm
          ? h(
              'button',
              { type: 'button', class: danger ? 'danger' : 'primary', onclick: () => close(true) },
              confirm,
            )
          : null,
      ),
    );
    dialog.onclose = () => resolve(false);
    dialog.showModal();
  });
}

function main() {
  return document.getElementById('main');
}

function showError(error) {
  return h(
    'div',
    { class: 'error-box', role: 'alert' },
    error instanceof ApiError
      ? error.message
      : 'Something went wrong. Reload the page and try again.',
  );
}

// Each page's heading and subtitle: the same words whether or not a company is chosen yet.
const PAGES = {
  scim: {
    title: 'SCIM Provisioning',
    subtitle: 'Manage provisioning tokens, sync status, and stale identity reconciliation.',
  },
  sso: {
    title: 'Single sign-on',
    subtitle: 'Connect your identity provider, then turn SCIM provisioning on.',
  },
};

// ---------------------------------------------------------------- company picker and routing

async function loadCompanies() {
  const picker = document.getElementById('company-picker');
  state.companies = await api('GET', '/api/companies');
  picker.replaceChildren(
    h('option', { value: '' }, 'Choose a company…'),
    ...state.companies.map((c) =>
      h('option', { value: c.id, selected: c.id === state.companyId }, c.name),
    ),
  );
  if (!state.companies.some((c) => c.id === state.companyId)) state.companyId = '';
  // An admin of exactly one company has nothing to choose: open it.
  if (!state.companyId && state.companies.length === 1) {
    state.companyId = state.companies[0].id;
    sessionStorage.setItem(COMPANY_KEY, state.companyId);
    picker.value = state.companyId;
  }
}

function currentCompany() {
  return state.companies.find((c) => c.id === state.companyId);
}

function navigate(path) {
  history.pushState(null, '', path);
  render();
}

/**
 * Every page render takes a number; one whose answers arrive after a newer render began stops
 * there. (Two renders that interleaved, say a company chosen while the first page loaded, each
 * put their cards in: the page showed everything twice.)
 */
let renders = 0;

async function render() {
  for (const link of document.querySelectorAll('[data-link]')) {
    link.toggleAttribute('aria-current', link.getAttribute('href') === location.pathname);
    if (link.hasAttribute('aria-current')) link.setAttribute('aria-current', 'page');
  }
  const root = main();
  if (!sessionStorage.getItem(TOKEN_KEY)) {
    ++renders;
    root.replaceChildren(
      h('h1', {}, 'SCIM Provisioning'),
      h(
        'div',
        { class: 'notice' },
        'You are not signed in. Open this console from the platform, or locally run ',
        h('code', {}, 'npm run cli -- admin-token --company <id> --url'),
        ' and open the URL it prints.',
      ),
    );
    return;
  }
  try {
    if (!state.companies.length) await loadCompanies();
  } catch (error) {
    root.replaceChildren(h('h1', {}, 'SCIM Provisioning'), showError(error));
    return;
  }
  const company = currentCompany();
  if (!company) {
    ++renders; // a page still loading for another company stops there
    const page = location.pathname.endsWith('/sso') ? PAGES.sso : PAGES.scim;
    root.replaceChildren(
      h('h1', {}, page.title),
      h('p', { class: 'subtitle' }, page.subtitle),
      h(
        'div',
        { class: 'notice' },
        state.companies.length
          ? 'Choose a company in the picker above. Nothing is shown or changed until you do.'
          : 'Your account manages no company.',
      ),
    );
    return;
  }
  if (location.pathname.endsWith('/sso')) await renderSso(company);
  else await renderScim(company);
}

// ---------------------------------------------------------------- the SCIM page

async function renderScim(company) {
  const generation = ++renders;
  const base = `/api/companies/${encodeURIComponent(company.id)}`;
  const root = main();
  const reload = h('button', { type: 'button', onclick: () => renderScim(company) }, 'Reload');
  const reconcile = h('button', { type: 'button', class: 'primary' }, 'Reconcile');
  const reconcileReason = h('p', { id: 'reconcile-reason', class: 'hint', hidden: true });
  root.replaceChildren(
    h(
      'div',
      { class: 'page-head' },
      h(
        'div',
        {},
        h('h1', {}, PAGES.scim.title),
        h('p', { class: 'subtitle' }, PAGES.scim.subtitle),
        h(
          'p',
          { class: 'acting' },
          'Acting on ',
          h('strong', {}, company.name),
          ` (${company.id})`,
        ),
      ),
      h('div', { class: 'actions' }, reload, reconcile, reconcileReason),
    ),
    h('p', { class: 'empty', role: 'status' }, 'Loading…'),
  );
  let status;
  let tokens;
  try {
    [status, tokens] = await Promise.all([
      api('GET', `${base}/scim/status`),
      api('GET', `${base}/scim/tokens`),
    ]);
  } catch (error) {
    if (generation === renders) root.lastChild.replaceWith(showError(error));
    return;
  }
  if (generation !== renders) return;
  // Reconcile compares members with what SCIM provisioned: nothing to do while SCIM is off.
  if (!status.enabled) {
    reconcile.disabled = true;
    reconcileReason.textContent = status.ssoConfigured
      ? 'Reconcile is available once SCIM is turned on.'
      : 'Reconcile is available once SSO is configured and SCIM is turned on.';
    reconcileReason.hidden = false;
    reconcile.setAttribute('aria-describedby', 'reconcile-reason');
  }
  reconcile.onclick = async () => {
    reconcile.disabled = true;
    try {
      const run = await api('POST', `${base}/scim/reconcile`);
      toast(
        run.status === 'running'
          ? 'A reconciliation is already running'
          : `Reconciliation finished: ${run.fixed} fixed`,
      );
      await renderScim(company);
    } catch (error) {
      toast(error.message, 'error');
      reconcile.disabled = false;
    }
  };
  const cards = [];
  if (!status.ssoConfigured || !status.enabled) {
    cards.push(
      h(
        'div',
        { class: 'notice', role: 'note' },
        status.ssoConfigured
          ? 'SCIM is turned off for this company. '
          : 'SSO is not configured for this company, so SCIM cannot be turned on. ',
        h('a', { href: '/settings/sso', 'data-link': '' }, 'Go to the SSO settings'),
      ),
    );
  }
  cards.push(statusCard(status, base), tokenCard(company, base, tokens, status), notesCard(status));
  root.lastChild.replaceWith(...cards);
}

function statusCard(status, base) {
  const staleButton = h(
    'button',
    { type: 'button', class: 'link', onclick: () => showStale(base) },
    String(status.staleMemberships),
  );
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'status-title' },
    h('h2', { id: 'status-title' }, 'SCIM Sync Status'),
    h(
      'dl',
      { class: 'grid' },
      h('div', {}, h('dt', {}, 'SCIM'), h('dd', {}, status.enabled ? 'Enabled' : 'Disabled')),
      h(
        'div',
        {},
        h('dt', {}, 'Status'),
        h(
          'dd',
          {},
          h('span', { class: `badge ${status.status}` }, status.status.replace('_', ' ')),
        ),
      ),
      h('div', {}, h('dt', {}, 'Last sync'), h('dd', {}, formatTime(status.lastSyncAt))),
      h(
        'div',
        {},
        h('dt', {}, 'Last sync error'),
        h(
          'dd',
          {},
          status.lastSyncError
            ? `${status.lastSyncError.detail} (${formatTime(status.lastSyncError.at)})`
            : 'None',
        ),
      ),
      h(
        'div',
        {},
        h('dt', {}, 'Managed memberships'),
        h('dd', { 'data-testid': 'managed' }, String(status.managedMemberships)),
      ),
      h(
        'div',
        {},
        h('dt', {}, 'Stale memberships'),
        h('dd', { 'data-testid': 'stale' }, staleButton),
      ),
      h(
        'div',
        {},
        h('dt', {}, 'Last reconciliation'),
        h(
          'dd',
          {},
          status.lastReconciliation
            ? `${status.lastReconciliation.status}, ${status.lastReconciliation.fixed} fixed (${formatTime(status.lastReconciliation.finishedAt || status.lastReconciliation.startedAt)})`
            : 'Never',
        ),
      ),
    ),
    // Things that did not fail a request but need a look (README: "Sync status rules").
    ...status.warnings.map((warning) =>
      h(
        'p',
        { class: 'status-warning', role: 'note', 'data-warning': warning.code },
        warning.detail,
      ),
    ),
  );
}

const REASONS = {
  access_not_revoked: 'Still has access, but the IdP deactivated or removed the user',
  access_removed_outside_scim: 'Access removed outside SCIM, but the IdP says active',
  role_mismatch: 'Role differs from the role the mapped groups give',
  scim_removed: 'SCIM configuration deleted: nothing provisions this member any more',
  unlinked: 'Not linked, though an active SCIM user has this email',
};

async function showStale(base) {
  try {
    const list = await api('GET', `${base}/members?stale=true&limit=100`);
    await openDialog(
      'Stale memberships',
      list.items.length
        ? h(
            'table',
            {},
            h(
              'thead',
              {},
              h('tr', {}, h('th', {}, 'Email'), h('th', {}, 'Status'), h('th', {}, 'Reason')),
            ),
            h(
              'tbody',
              {},
              list.items.map((m) =>
                h(
                  'tr',
                  {},
                  h('td', {}, m.email),
                  h('td', {}, m.status),
                  h('td', {}, REASONS[m.staleReason] || m.staleReason),
                ),
              ),
            ),
          )
        : h('p', {}, 'No stale memberships.'),
    );
  } catch (error) {
    toast(error.message, 'error');
  }
}

function tokenCard(company, base, tokens, status) {
  const label = h('input', {
    id: 'token-label',
    name: 'label',
    maxlength: '100',
    required: true,
    placeholder: 'e.g. Okta production',
    'aria-describedby': 'token-label-error',
  });
  const labelError = h('span', {
    id: 'token-label-error',
    class: 'invalid',
    'aria-live': 'polite',
  });
  const create = h('button', { type: 'submit', class: 'primary' }, 'Create token');
  const form = h(
    'form',
    {
      class: 'row',
      onsubmit: async (event) => {
        event.preventDefault();
        labelError.textContent = '';
        if (!label.value.trim()) {
          labelError.textContent = 'Give the token a label (1 to 100 characters).';
          label.focus();
          return;
        }
        create.disabled = true;
        try {
          const created = await api('POST', `${base}/scim/tokens`, { label: label.value });
          await openDialog('Your new provisioning token', [
            h('p', { class: 'warning' }, 'Copy this token now. It will not be shown again.'),
            h('p', {}, 'Token'),
            copyable('Token', created.token),
            h('p', {}, 'SCIM endpoint URL'),
            copyable('Endpoint URL', created.endpointUrl),
          ]);
          await renderScim(company);
        } catch (error) {
          labelError.textContent = error.message;
          create.disabled = false;
        }
      },
    },
    h('div', { class: 'field' }, h('label', { for: 'token-label' }, 'Label'), label, labelError),
    h('div', { class: 'field' }, create),
  );
  const rows = tokens.map((token) =>
    h(
      'tr',
      {},
      h('td', {}, token.label),
      h('td', {}, h('code', {}, `${token.prefix}…`)),
      h('td', {}, h('span', { class: `badge ${token.status}` }, token.status)),
      h('td', {}, formatTime(token.createdAt)),
      h('td', {}, formatTime(token.lastUsedAt)),
      h(
        'td',
        {},
        token.status === 'active'
          ? h(
              'button',
              {
                type: 'button',
                class: 'danger',
                'aria-label': `Revoke ${token.label}`,
                onclick: async () => {
                  if (
                    !(await openDialog(
                      'Revoke this token?',
                      h(
                        'p',
                        {},
                        `Identity providers using "${token.label}" will be refused from their very next request.`,
                      ),
                      { confirm: 'Revoke', danger: true },
                    ))
                  )
                    return;
                  try {
                    await api('POST', `${base}/scim/tokens/${token.id}/revoke`);
                    toast(`Token "${token.label}" revoked`);
                    await renderScim(company);
                  } catch (error) {
                    toast(error.message, 'error');
                  }
                },
              },
              'Revoke',
            )
          : '',
      ),
    ),
  );
  const deleteAll = h(
    'button',
    {
      type: 'button',
      class: 'danger',
      onclick: async () => {
        if (
          !(await openDialog(
            'Delete the SCIM configuration?',
            h(
              'p',
              {},
              'This revokes every provisioning token and turns SCIM off. Identity providers will be refused at once; members stay as they are until you reconcile.',
            ),
            { confirm: 'Delete configuration', danger: true },
          ))
        )
          return;
        try {
          const result = await api('DELETE', `${base}/scim`);
          toast(`SCIM configuration deleted (${result.revokedTokens} tokens revoked)`);
          await renderScim(company);
        } catch (error) {
          toast(error.message, 'error');
        }
      },
    },
    'Delete SCIM configuration',
  );
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'tokens-title' },
    h('h2', { id: 'tokens-title' }, 'SCIM Token Manager'),
    status.enabled
      ? form
      : h('p', { class: 'empty' }, 'Turn SCIM on in the SSO settings to create tokens.'),
    tokens.length
      ? h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'Label'),
              h('th', {}, 'Prefix'),
              h('th', {}, 'Status'),
              h('th', {}, 'Created'),
              h('th', {}, 'Last used'),
              h('th', {}, h('span', { class: 'skip' }, 'Actions')),
            ),
          ),
          h('tbody', {}, rows),
        )
      : h(
          'p',
          { class: 'empty' },
          'No tokens yet. Create your first one here to connect your identity provider.',
        ),
    h('div', { style: 'margin-top:16px' }, deleteAll),
  );
}

function notesCard(status) {
  const url = status.endpointUrl;
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'notes-title' },
    h('h2', { id: 'notes-title' }, 'SCIM API notes'),
    h(
      'p',
      {},
      'Give your identity provider this endpoint URL and a provisioning token (sent as Authorization: Bearer <token>).',
    ),
    copyable('Endpoint URL', url),
    ['/Users', '/Groups', '/Bulk', '/ServiceProviderConfig', '/Schemas', '/ResourceTypes'].map(
      (path) => copyable(`${path} endpoint`, `${url}${path}`),
    ),
  );
}

// ---------------------------------------------------------------- the SSO page

async function renderSso(company) {
  const generation = ++renders;
  const base = `/api/companies/${encodeURIComponent(company.id)}`;
  const root = main();
  let sso;
  try {
    sso = await api('GET', `${base}/sso`);
  } catch (error) {
    if (generation === renders)
      root.replaceChildren(h('h1', {}, 'Single sign-on'), showError(error));
    return;
  }
  if (generation !== renders) return;
  const errors = {};
  const field = (name, label, value, hint) => {
    const input = h('input', {
      id: `sso-${name}`,
      name,
      value: value || '',
      'aria-describedby': `sso-${name}-error`,
    });
    errors[name] = h('span', { id: `sso-${name}-error`, class: 'invalid', 'aria-live': 'polite' });
    return {
      input,
      element: h(
        'div',
        { class: 'field' },
        h('label', { for: `sso-${name}` }, label),
        input,
        hint ? h('span', { class: 'hint' }, hint) : null,
        errors[name],
      ),
    };
  };
  const protocol = h(
    'select',
    { id: 'sso-protocol', name: 'protocol' },
    ['saml', 'oidc', 'entra'].map((p) =>
      h(
        'option',
        { value: p, selected: (sso.protocol || 'saml') === p },
        p === 'saml' ? 'SAML' : p === 'oidc' ? 'OIDC' : 'Microsoft Entra ID',
      ),
    ),
  );
  const entityId = field('entityId', 'IdP entity ID', sso.entityId);
  const ssoUrl = field('ssoUrl', 'IdP sign-on URL', sso.ssoUrl, 'An https URL');
  const issuer = field('issuer', 'Issuer URL', sso.issuer, 'An https URL');
  const clientId = field('clientId', 'Client ID', sso.clientId);
  const scim = h('input', {
    type: 'checkbox',
    id: 'sso-scim',
    name: 'scimEnabled',
    checked: sso.scimEnabled,
  });
  const samlFields = h('div', {}, entityId.element, ssoUrl.element);
  const oidcFields = h('div', {}, issuer.element, clientId.element);
  const sync = () => {
    samlFields.hidden = protocol.value !== 'saml';
    oidcFields.hidden = protocol.value === 'saml';
  };
  protocol.onchange = sync;
  sync();
  const formError = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    {
      class: 'card',
      onsubmit: async (event) => {
        event.preventDefault();
        for (const span of Object.values(errors)) span.textContent = '';
        formError.replaceChildren();
        const body =
          protocol.value === 'saml'
            ? {
                protocol: 'saml',
                entityId: entityId.input.value,
                ssoUrl: ssoUrl.input.value,
                scimEnabled: scim.checked,
              }
            : {
                protocol: protocol.value,
                issuer: issuer.input.value,
                clientId: clientId.input.value,
                scimEnabled: scim.checked,
              };
        try {
          await api('PUT', `${base}/sso`, body);
          toast('SSO settings saved');
          await renderSso(company);
        } catch (error) {
          let placed = false;
          for (const message of error.fields) {
            const name = Object.keys(errors).find((key) => message.startsWith(key));
            if (name) {
              errors[name].textContent = message;
              placed = true;
            }
          }
          if (!placed) formError.replaceChildren(showError(error));
        }
      },
    },
    h('h2', {}, 'SSO connection'),
    h('div', { class: 'field' }, h('label', { for: 'sso-protocol' }, 'Protocol'), protocol),
    samlFields,
    oidcFields,
    h('div', { class: 'field' }, h('label', {}, scim, ' Turn SCIM provisioning on')),
    formError,
    h('button', { type: 'submit', class: 'primary' }, 'Save'),
  );
  root.replaceChildren(
    h(
      'div',
      { class: 'page-head' },
      h(
        'div',
        {},
        h('h1', {}, PAGES.sso.title),
        h('p', { class: 'subtitle' }, PAGES.sso.subtitle),
        h(
          'p',
          { class: 'acting' },
          'Acting on ',
          h('strong', {}, company.name),
          ` (${company.id})`,
        ),
      ),
    ),
    form,
  );
}

// ---------------------------------------------------------------- start

document.getElementById('company-picker').addEventListener('change', (event) => {
  state.companyId = event.target.value;
  sessionStorage.setItem(COMPANY_KEY, state.companyId);
  render();
});
document.addEventListener('click', (event) => {
  const link = event.target.closest('a[data-link]');
  if (link) {
    event.preventDefault();
    navigate(link.getAttribute('href'));
  }
});
window.addEventListener('popstate', render);
render();
