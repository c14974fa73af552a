// How the console names what the admin API answers in codes.

const STALE_REASONS: Record<string, string> = {
  access_not_revoked: 'Still has access, but the IdP deactivated or removed the user',
  access_removed_outside_scim: 'Access removed outside SCIM, but the IdP says active',
  role_mismatch: 'Role differs from the role the mapped groups give',
  scim_removed: 'SCIM configuration deleted: nothing provisions this member any more',
  unlinked: 'Not linked, though an active SCIM user has this email',
};

export function StaleReason({ reason }: { reason?: string | null }) {
  return <>{reason ? (STALE_REASONS[reason] ?? reason) : ''}</>;
}
