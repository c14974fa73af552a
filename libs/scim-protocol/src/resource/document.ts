/**
 * A resource as this service stores it: canonical attribute names (RFC 7643 letter case),
 * core attributes at the top, each known extension's attributes in an object under its URN,
 * and an unknown extension listed in `schemas` kept verbatim under its URN as sent.
 * Never holds `id`, `meta`, `schemas` or read-only attributes computed by the server.
 */
export type ResourceDocument = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a message's `schemas` lists `urn` (URNs compare case-insensitively, RFC 7643 §2.1). */
export function listsSchema(schemas: unknown, urn: string): boolean {
  return (
    Array.isArray(schemas) &&
    schemas.some((item) => typeof item === 'string' && item.toLowerCase() === urn.toLowerCase())
  );
}

/** A deep copy of JSON data, without prototype tricks (`__proto__` keys stay plain keys). */
export function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
