/**
 * Secrets this service issues have recognisable shapes (a fixed prefix, then base62): SCIM
 * tokens `scimp_…`, platform keys `scimk_…`, webhook secrets `whsec_…`. A client that puts one
 * where it does not belong (a token pasted into a URL path) must not leak it into the request
 * log, the provisioning log or the status card: anything of that shape is redacted before it
 * is written.
 */
const SECRET_SHAPE = /\b(scimp|scimk|whsec)_[0-9A-Za-z+/=_-]{16,}/g;

export function redactSecrets(text: string): string;
export function redactSecrets(text: string | null): string | null;
export function redactSecrets(text: string | null): string | null {
  // Most text holds no secret: a search without the global flag is cheaper than a replace.
  return text === null || text.search(SECRET_SHAPE) === -1
    ? text
    : text.replace(SECRET_SHAPE, '$1_[REDACTED]');
}
