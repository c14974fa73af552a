import { SCIM_LIST_RESPONSE_SCHEMA } from '@app/scim-protocol';

/** A ListResponse (RFC 7644 §3.4.2), with RFC 9865's nextCursor when paging by cursor. */
export function listResponse(
  resources: Record<string, unknown>[],
  page: { totalResults: number; startIndex?: number; nextCursor?: string },
) {
  return {
    schemas: [SCIM_LIST_RESPONSE_SCHEMA],
    totalResults: page.totalResults,
    ...(page.startIndex !== undefined ? { startIndex: page.startIndex } : {}),
    itemsPerPage: resources.length,
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    Resources: resources,
  };
}
