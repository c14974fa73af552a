import { ScimError } from '@app/scim-protocol';

/** A resource's version as an ETag (RFC 7644 §3.14): weak, since equality is semantic. */
export function etagOf(version: number): string {
  return `W/"${version}"`;
}

/** `If-Match` (RFC 7232 §3.1): 412 when the client's version is not the current one. */
export function checkIfMatch(ifMatch: string | undefined, version: number): void {
  if (ifMatch === undefined || ifMatch.trim() === '*') return;
  const current = etagOf(version);
  const strongCurrent = current.slice(2);
  const matches = ifMatch
    .split(',')
    .map((tag) => tag.trim())
    .some((tag) => tag === current || tag === strongCurrent);
  if (!matches) {
    throw new ScimError(412, `The resource has changed: its version is ${current}, not ${ifMatch}`);
  }
}

/** `If-None-Match` on a read: true when the client already has this version (304). */
export function notModified(ifNoneMatch: string | undefined, version: number): boolean {
  if (ifNoneMatch === undefined) return false;
  const current = etagOf(version);
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim())
    .some((tag) => tag === '*' || tag === current || tag === current.slice(2));
}
