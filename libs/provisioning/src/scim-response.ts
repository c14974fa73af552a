import { SCIM_LIST_RESPONSE_SCHEMA } from '@app/scim-protocol';

/** JSON text already serialised; Nest sends a string as it is. */
export class RawJson {
  constructor(readonly text: string) {}
}

export type ScimJson = Record<string, unknown> | RawJson;

/** One resource as the controller returns it: the text itself, or an object Nest serialises. */
export function resourceBody(resource: ScimJson): Record<string, unknown> | string {
  return resource instanceof RawJson ? resource.text : resource;
}

/**
 * A ListResponse (RFC 7644 §3.4.2), with RFC 9865's nextCursor when paging by cursor. Built
 * as text, so pre-serialised resources are spliced in rather than parsed again.
 */
export function listResponse(
  resources: ScimJson[],
  page: { totalResults: number; startIndex?: number; nextCursor?: string },
): string {
  const head = {
    schemas: [SCIM_LIST_RESPONSE_SCHEMA],
    totalResults: page.totalResults,
    ...(page.startIndex !== undefined ? { startIndex: page.startIndex } : {}),
    itemsPerPage: resources.length,
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
  };
  const items = resources.map((resource) =>
    resource instanceof RawJson ? resource.text : JSON.stringify(resource),
  );
  return `${JSON.stringify(head).slice(0, -1)},"Resources":[${items.join(',')}]}`;
}
