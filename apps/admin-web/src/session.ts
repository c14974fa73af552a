// Who is signed in, for this tab only. The platform (or `npm run cli -- admin-token --url`)
// hands the admin JWT over in the URL fragment, which browsers never send to a server; it is
// kept in session storage and removed from the address bar at once.
const TOKEN_KEY = 'scim-admin-token';
const COMPANY_KEY = 'scim-admin-company';

export function takeTokenFromFragment(): void {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
}

/** Read on every request, so a token replaced in another part of the tab is used at once. */
export const adminToken = (): string | null => sessionStorage.getItem(TOKEN_KEY);

export const rememberedCompany = (): string => sessionStorage.getItem(COMPANY_KEY) ?? '';

export function rememberCompany(companyId: string): void {
  sessionStorage.setItem(COMPANY_KEY, companyId);
}
