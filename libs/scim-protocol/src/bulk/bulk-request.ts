import { isPlainObject, listsSchema } from '../resource/document';
import { SCIM_BULK_REQUEST_SCHEMA } from '../schema-urns';
import { ScimError } from '../scim-error';

/**
 * The BulkRequest message of RFC 7644 §3.7: parsing, `bulkId` references, and the order the
 * operations run in. Pure: the provisioning library executes what this plans.
 */

export type BulkMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The resource types a Bulk operation may address, by their endpoint (RFC 7643 §6). */
export type BulkResourceType = 'Users' | 'Groups';

export interface BulkOperation {
  /** Position in the request (0-based), for error messages and the response order. */
  index: number;
  method: BulkMethod;
  /** Required for POST (RFC 7644 §3.7); echoed in the response when given. */
  bulkId?: string;
  /** ETag the resource must still have (RFC 7644 §3.14), as `If-Match` would. */
  version?: string;
  resourceType: BulkResourceType;
  /** The resource id, or `bulkId:<id>` of a resource created earlier in this request. */
  resourceId?: string;
  data?: unknown;
}

export interface BulkRequest {
  operations: BulkOperation[];
  /** Errors tolerated before the rest is skipped (RFC 7644 §3.7.3); undefined: no limit. */
  failOnErrors?: number;
}

/** The prefix that marks a reference to another operation's resource (RFC 7644 §3.7.2). */
const BULK_ID_PREFIX = 'bulkId:';
const BULK_ID_REFERENCE = /^bulkId:(.+)$/;
/** Longest bulkId accepted; they are client-chosen handles, not data. */
const MAX_BULK_ID_LENGTH = 256;

const invalidSyntax = (detail: string) => ScimError.badRequest('invalidSyntax', detail);

/**
 * Parses a BulkRequest. Anything wrong with the envelope or with an operation's method, path
 * or bulkId is refused as a whole (400) before anything runs: a client sending a malformed
 * request learns it at once, not after half of it was applied. `maxOperations` over: 413
 * (RFC 7644 §3.7.4). What is wrong inside an operation's `data` is that operation's error.
 */
export function parseBulkRequest(body: unknown, maxOperations: number): BulkRequest {
  if (!isPlainObject(body)) throw invalidSyntax('The body must be a BulkRequest message');
  const entries = lowerCaseKeys(body);
  if (!listsSchema(entries.schemas, SCIM_BULK_REQUEST_SCHEMA)) {
    throw invalidSyntax(`schemas must be ["${SCIM_BULK_REQUEST_SCHEMA}"]`);
  }
  let failOnErrors: number | undefined;
  if (entries.failonerrors !== undefined && entries.failonerrors !== null) {
    if (
      typeof entries.failonerrors !== 'number' ||
      !Number.isInteger(entries.failonerrors) ||
      entries.failonerrors < 1
    ) {
      throw ScimError.badRequest(
        'invalidValue',
        'failOnErrors must be a whole number of at least 1',
      );
    }
    failOnErrors = entries.failonerrors;
  }
  const rawOperations = entries.operations;
  if (!Array.isArray(rawOperations)) throw invalidSyntax('Operations must be an array');
  if (rawOperations.length > maxOperations) {
    throw new ScimError(
      413,
      `A Bulk request may hold at most ${maxOperations} operations (it held ${rawOperations.length})`,
    );
  }
  const operations = rawOperations.map((raw, index) => parseOperation(raw, index));
  const seen = new Set<string>();
  for (const operation of operations) {
    if (operation.bulkId === undefined) continue;
    if (seen.has(operation.bulkId)) {
      throw ScimError.badRequest(
        'uniqueness',
        `Operations[${operation.index}].bulkId "${operation.bulkId}" is used by an earlier operation`,
      );
    }
    seen.add(operation.bulkId);
  }
  return { operations, failOnErrors };
}

function parseOperation(raw: unknown, index: number): BulkOperation {
  const at = `Operations[${index}]`;
  if (!isPlainObject(raw)) throw invalidSyntax(`${at} must be an object`);
  const fields = lowerCaseKeys(raw);
  const method = typeof fields.method === 'string' ? fields.method.toUpperCase() : undefined;
  if (method !== 'POST' && method !== 'PUT' && method !== 'PATCH' && method !== 'DELETE') {
    throw invalidSyntax(`${at}.method must be POST, PUT, PATCH or DELETE`);
  }
  let bulkId: string | undefined;
  if (fields.bulkid !== undefined && fields.bulkid !== null) {
    if (
      typeof fields.bulkid !== 'string' ||
      fields.bulkid.length === 0 ||
      fields.bulkid.length > MAX_BULK_ID_LENGTH
    ) {
      throw invalidSyntax(`${at}.bulkId must be a string of 1 to ${MAX_BULK_ID_LENGTH} characters`);
    }
    bulkId = fields.bulkid;
  }
  // RFC 7644 §3.7: "bulkId ... REQUIRED when method is POST".
  if (method === 'POST' && bulkId === undefined) {
    throw invalidSyntax(`${at}.bulkId is required with POST`);
  }
  if (fields.version !== undefined && typeof fields.version !== 'string') {
    throw invalidSyntax(`${at}.version must be a string (an ETag)`);
  }
  if (typeof fields.path !== 'string') throw invalidSyntax(`${at}.path must be a string`);
  const { resourceType, resourceId } = parsePath(fields.path, at);
  if (method === 'POST' && resourceId !== undefined) {
    throw invalidSyntax(`${at}: POST addresses a collection, such as /Users, not ${fields.path}`);
  }
  if (method !== 'POST' && resourceId === undefined) {
    throw invalidSyntax(`${at}: ${method} addresses one resource, such as /Users/{id}`);
  }
  if (method !== 'DELETE' && fields.data === undefined) {
    throw invalidSyntax(`${at}.data is required with ${method}`);
  }
  return {
    index,
    method,
    bulkId,
    version: fields.version as string | undefined,
    resourceType,
    resourceId,
    data: method === 'DELETE' ? undefined : fields.data,
  };
}

/** `/Users`, `/Groups/{id}`, `/Groups/bulkId:x`; endpoint names are case-insensitive. */
function parsePath(
  path: string,
  at: string,
): { resourceType: BulkResourceType; resourceId?: string } {
  const match = /^\/?(users|groups)(?:\/([^/?#]+))?\/?$/i.exec(path.trim());
  if (!match) {
    throw ScimError.badRequest(
      'invalidPath',
      `${at}.path must be /Users, /Users/{id}, /Groups or /Groups/{id}`,
    );
  }
  const resourceType: BulkResourceType = match[1].toLowerCase() === 'users' ? 'Users' : 'Groups';
  let resourceId: string | undefined;
  if (match[2] !== undefined) {
    try {
      resourceId = decodeURIComponent(match[2]);
    } catch {
      throw ScimError.badRequest('invalidPath', `${at}.path is not a valid URL path`);
    }
  }
  return { resourceType, resourceId };
}

/** The bulkIds an operation refers to, in its path or anywhere in its data. */
export function bulkIdReferences(operation: BulkOperation): Set<string> {
  const references = new Set<string>();
  const visit = (value: unknown, depth: number): void => {
    if (depth > 64) return;
    if (typeof value === 'string') {
      const match = BULK_ID_REFERENCE.exec(value);
      if (match) references.add(match[1]);
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
    } else if (isPlainObject(value)) {
      for (const inner of Object.values(value)) visit(inner, depth + 1);
    }
  };
  if (operation.resourceId !== undefined) visit(operation.resourceId, 0);
  visit(operation.data, 0);
  return references;
}

/**
 * The order to run the operations in (RFC 7644 §3.7.2): request order, except that an
 * operation waits until every operation whose bulkId it refers to has run, so a client may
 * refer forward. Operations caught in a cycle (or waiting on one) are returned apart, and
 * those referring to a bulkId that no operation defines are marked; the caller answers both
 * with an error (a cycle: 409, which
 * §3.7.2 allows "after a failed attempt"; nothing in this service's schema needs a cycle,
 * since a group's members are users or groups that can be created first).
 */
export function bulkExecutionOrder(operations: BulkOperation[]): {
  order: BulkOperation[];
  circular: BulkOperation[];
  undefinedReference: Map<BulkOperation, string>;
} {
  const definedBy = new Map<string, BulkOperation>();
  for (const operation of operations) {
    if (operation.method === 'POST' && operation.bulkId !== undefined) {
      definedBy.set(operation.bulkId, operation);
    }
  }
  const undefinedReference = new Map<BulkOperation, string>();
  const waitsFor = new Map<BulkOperation, Set<BulkOperation>>();
  for (const operation of operations) {
    const dependencies = new Set<BulkOperation>();
    for (const reference of bulkIdReferences(operation)) {
      const definer = definedBy.get(reference);
      if (!definer) {
        // Runs in its place, to fail there (the caller answers it with an error).
        undefinedReference.set(operation, reference);
        dependencies.clear();
        break;
      }
      // A self-reference does not wait: resolving it fails, and the operation answers 409.
      if (definer !== operation) dependencies.add(definer);
    }
    waitsFor.set(operation, dependencies);
  }
  // Kahn's algorithm, always taking the earliest ready operation: request order is kept
  // wherever the references allow it. n is bounded by maxOperations, so O(n²) is fine.
  const order: BulkOperation[] = [];
  const done = new Set<BulkOperation>();
  const pending = [...operations];
  for (;;) {
    const next = pending.findIndex((operation) =>
      [...waitsFor.get(operation)!].every((dependency) => done.has(dependency)),
    );
    if (next === -1) break;
    const [operation] = pending.splice(next, 1);
    order.push(operation);
    done.add(operation);
  }
  return { order, circular: pending, undefinedReference };
}

/**
 * The data (or id) with every `bulkId:<id>` reference replaced by the id of the resource
 * created under that bulkId. Throws the first reference that has no id (its operation failed
 * or has not run).
 */
export function resolveBulkIdReferences<T>(value: T, createdIds: ReadonlyMap<string, string>): T {
  const visit = (inner: unknown, depth: number): unknown => {
    if (depth > 64) return inner;
    if (typeof inner === 'string') {
      const match = BULK_ID_REFERENCE.exec(inner);
      if (!match) return inner;
      const id = createdIds.get(match[1]);
      if (id === undefined) throw new UnresolvedBulkId(match[1]);
      return id;
    }
    if (Array.isArray(inner)) return inner.map((item) => visit(item, depth + 1));
    if (isPlainObject(inner)) {
      const copy: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(inner)) {
        // defineProperty, so a "__proto__" key stays data and never becomes the prototype.
        Object.defineProperty(copy, key, {
          value: visit(item, depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return copy;
    }
    return inner;
  };
  return visit(value, 0) as T;
}

/** A `bulkId:` reference whose operation did not create a resource. */
export class UnresolvedBulkId extends Error {
  constructor(readonly bulkId: string) {
    super(`${BULK_ID_PREFIX}${bulkId} refers to an operation that did not create a resource`);
    this.name = 'UnresolvedBulkId';
  }
}

function lowerCaseKeys(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key.toLowerCase(), inner]),
  );
}
