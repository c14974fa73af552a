import { useEffect, useState } from 'preact/hooks';
import { api, Schemas, unwrap } from './api/client';
import { ScimPages } from './pages/scim/scim-pages';
import { SsoPage } from './pages/sso-page';
import { Link, useLocation } from './router';
import { adminToken, rememberCompany, rememberedCompany } from './session';
import { DialogHost } from './ui/dialog';
import { ErrorBox, Loading } from './ui/parts';
import { Toasts } from './ui/toasts';

export type Company = Schemas['CompanyView'];

// Each page's heading and subtitle: the same words whether or not a company is chosen yet.
export const PAGES = {
  scim: {
    title: 'SCIM Provisioning',
    subtitle: 'Manage provisioning tokens, sync status, and stale identity reconciliation.',
  },
  sso: {
    title: 'Single sign-on',
    subtitle: 'Connect your identity provider, then turn SCIM provisioning on.',
  },
};

type Companies =
  { state: 'loading' } | { state: 'error'; error: unknown } | { state: 'ok'; list: Company[] };

export function App() {
  const { path } = useLocation();
  const signedIn = adminToken() !== null;
  const [companies, setCompanies] = useState<Companies>({ state: 'loading' });
  const [companyId, setCompanyId] = useState(rememberedCompany());
  const section = path.startsWith('/settings/sso') ? 'sso' : 'scim';

  useEffect(() => {
    if (!signedIn) return;
    unwrap(api.GET('/api/companies')).then(
      (list) => {
        setCompanies({ state: 'ok', list });
        // An admin of exactly one company has nothing to choose: open it.
        if (!list.some((company) => company.id === companyId))
          choose(list.length === 1 ? list[0].id : '');
      },
      (error: unknown) => setCompanies({ state: 'error', error }),
    );
  }, [signedIn]);

  const choose = (id: string) => {
    rememberCompany(id);
    setCompanyId(id);
  };
  const list = companies.state === 'ok' ? companies.list : [];
  const company = list.find((candidate) => candidate.id === companyId);

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <nav aria-label="Settings">
          <Link href="/settings/scim" current={section === 'scim'}>
            SCIM
          </Link>
          <Link href="/settings/sso" current={section === 'sso'}>
            SSO
          </Link>
        </nav>
        <label class="picker">
          <span>Company</span>
          <select
            id="company-picker"
            aria-label="Company"
            value={company?.id ?? ''}
            onChange={(event) => choose(event.currentTarget.value)}
          >
            <option value="">Choose a company…</option>
            {list.map((option) => (
              <option key={option.id} value={option.id}>
                {option.name}
              </option>
            ))}
          </select>
        </label>
      </header>
      <main id="main" tabIndex={-1}>
        {!signedIn ? (
          <>
            <h1>SCIM Provisioning</h1>
            <div class="notice">
              You are not signed in. Open this console from the platform, or locally run{' '}
              <code>npm run cli -- admin-token --company &lt;id&gt; --url</code> and open the URL it
              prints.
            </div>
          </>
        ) : companies.state === 'loading' ? (
          <Loading />
        ) : companies.state === 'error' ? (
          <>
            <h1>SCIM Provisioning</h1>
            <ErrorBox error={companies.error} />
          </>
        ) : !company ? (
          <>
            <h1>{PAGES[section].title}</h1>
            <p class="subtitle">{PAGES[section].subtitle}</p>
            <div class="notice">
              {list.length
                ? 'Choose a company in the picker above. Nothing is shown or changed until you do.'
                : 'Your account manages no company.'}
            </div>
          </>
        ) : section === 'sso' ? (
          <SsoPage key={company.id} company={company} />
        ) : (
          <ScimPages key={company.id} company={company} path={path} />
        )}
      </main>
      <Toasts />
      <DialogHost />
    </>
  );
}

/** "Acting on Acme Inc (acme)": which company every button on the page changes. */
export function PageHead(props: {
  page: keyof typeof PAGES;
  company: Company;
  children?: preact.ComponentChildren;
}) {
  return (
    <div class="page-head">
      <div>
        <h1>{PAGES[props.page].title}</h1>
        <p class="subtitle">{PAGES[props.page].subtitle}</p>
        <p class="acting">
          Acting on <strong>{props.company.name}</strong> ({props.company.id})
        </p>
      </div>
      {props.children && <div class="actions">{props.children}</div>}
    </div>
  );
}
