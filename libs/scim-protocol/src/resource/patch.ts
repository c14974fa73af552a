import { ScimError } from '../scim-error';
import { SCIM_PATCH_OP_SCHEMA } from '../schema-urns';
import { Filter, formatPath } from '../filter/filter.ast';
import { parsePatchPath, PatchPath } from '../filter/filter.parser';
import { matchesValueFilter } from '../filter/value-filter';
import { AttributeDefinition, findAttribute } from '../schema/attribute';
import {
  findExtension,
  ResolvedAttribute,
  resolveAttribute,
  ResourceSchema,
} from '../schema/resource-schema';
import { cloneJson, isPlainObject, listsSchema, ResourceDocument } from './document';
import { normalizeAttribute, renormalize, requireAttributes } from './normalize';

export type PatchOpName = 'add' | 'replace' | 'remove';

export interface PatchOperation {
  op: PatchOpName;
  path?: string;
  value?: unknown;
}

/** Bound on operations per PATCH request. */
export const MAX_PATCH_OPERATIONS = 1_000;

const invalidSyntax = (detail: string) => ScimError.badRequest('invalidSyntax', detail);
const invalidPath = (detail: string) => ScimError.badRequest('invalidPath', detail);
const noTarget = (detail: string) => ScimError.badRequest('noTarget', detail);
const mutability = (detail: string) => ScimError.badRequest('mutability', detail);

/** Reads a PatchOp message (RFC 7644 §3.5.2): op names in any letter case, as IdPs send them. */
export function parsePatchRequest(body: unknown): PatchOperation[] {
  if (!isPlainObject(body)) throw invalidSyntax('The body must be a PatchOp message');
  const entries = Object.fromEntries(
    Object.entries(body).map(([key, value]) => [key.toLowerCase(), value]),
  );
  const schemas = entries.schemas;
  // Lenient where IdPs are: a PatchOp without `schemas` is read; a wrong one is refused.
  if (schemas !== undefined && !listsSchema(schemas, SCIM_PATCH_OP_SCHEMA)) {
    throw invalidSyntax(`schemas must be ["${SCIM_PATCH_OP_SCHEMA}"]`);
  }
  const operations = entries.operations;
  if (!Array.isArray(operations)) throw invalidSyntax('Operations must be an array');
  if (operations.length > MAX_PATCH_OPERATIONS) {
    throw ScimError.badRequest(
      'tooMany',
      `A PATCH may hold at most ${MAX_PATCH_OPERATIONS} operations`,
    );
  }
  return operations.map((raw, index) => {
    if (!isPlainObject(raw)) throw invalidSyntax(`Operations[${index}] must be an object`);
    const fields = Object.fromEntries(
      Object.entries(raw).map(([key, value]) => [key.toLowerCase(), value]),
    );
    const op = typeof fields.op === 'string' ? fields.op.toLowerCase() : undefined;
    if (op !== 'add' && op !== 'replace' && op !== 'remove') {
      throw invalidSyntax(`Operations[${index}].op must be "add", "replace" or "remove"`);
    }
    if (fields.path !== undefined && typeof fields.path !== 'string') {
      throw invalidPath(`Operations[${index}].path must be a string`);
    }
    if (op !== 'remove' && fields.value === undefined) {
      throw ScimError.badRequest('invalidValue', `Operations[${index}] (${op}) needs a value`);
    }
    return { op, path: fields.path as string | undefined, value: fields.value };
  });
}

/**
 * Applies PATCH operations to a copy of a stored document: all of them or, on the first
 * error, none (the caller keeps the original). The result is checked exactly like a PUT body.
 */
export function applyPatch(
  original: ResourceDocument,
  operations: PatchOperation[],
  resource: ResourceSchema,
): ResourceDocument {
  const document = cloneJson(original);
  for (const operation of operations) {
    const path = operation.path?.trim();
    const extension = path ? findExtension(resource, path) : undefined;
    if (!path || path.toLowerCase() === resource.core.id.toLowerCase()) {
      // The core schema URN as a path names the core attributes: the same as no path.
      applyWithoutPath(document, operation, resource);
    } else if (extension) {
      applyToExtension(document, operation, extension.id, resource);
    } else {
      applyAtPath(document, operation.op, parsePatchPath(path), operation.value, resource, false);
    }
  }
  const result = renormalize(document, resource);
  requireAttributes(result, resource);
  return result;
}

/**
 * `add`/`replace` with no path: each key of the value object is a path of its own. Entra
 * sends dotted (`name.givenName`) and URN-qualified keys here; read-only keys such as `id`
 * (Okta's group rename sends `{ id, displayName }`) are ignored rather than refused.
 */
function applyWithoutPath(
  document: ResourceDocument,
  operation: PatchOperation,
  resource: ResourceSchema,
) {
  if (operation.op === 'remove') throw noTarget('A remove operation needs a path');
  if (!isPlainObject(operation.value)) {
    throw ScimError.badRequest(
      'invalidValue',
      `An ${operation.op} without a path needs an object value`,
    );
  }
  for (const [key, value] of Object.entries(operation.value)) {
    if (key.toLowerCase() === 'schemas') continue;
    const extension = findExtension(resource, key);
    if (extension) {
      applyToExtension(document, { op: operation.op, value }, extension.id, resource);
      continue;
    }
    applyKey(document, operation.op, key, value, resource);
  }
}

/**
 * An extension's schema URN as the path (RFC 7644 §3.5.2 with the attribute notation of
 * §3.10): the extension is one complex value. `add` and `replace` set the attributes the value
 * names (a complex replace leaves unnamed sub-attributes as they are, §3.5.2.3); `remove`
 * unassigns the whole extension.
 */
function applyToExtension(
  document: ResourceDocument,
  operation: PatchOperation,
  urn: string,
  resource: ResourceSchema,
) {
  if (operation.op === 'remove') {
    delete document[urn];
    return;
  }
  if (!isPlainObject(operation.value))
    throw ScimError.badRequest('invalidValue', `${urn} must be an object`);
  for (const [inner, innerValue] of Object.entries(operation.value)) {
    applyKey(document, operation.op, `${urn}:${inner}`, innerValue, resource);
  }
}

function applyKey(
  document: ResourceDocument,
  op: PatchOpName,
  key: string,
  value: unknown,
  resource: ResourceSchema,
) {
  let parsed: PatchPath;
  try {
    parsed = parsePatchPath(key);
  } catch {
    return; // Not an attribute path at all: ignored like any undefined attribute.
  }
  if (!resolveAttribute(resource, parsed.path)) {
    // An unknown extension's attributes under its URN are kept as sent.
    if (key.toLowerCase().startsWith('urn:')) return;
    return; // RFC 7644 §3.3: attributes no schema defines are ignored.
  }
  applyAtPath(document, op, parsed, value, resource, true);
}

function applyAtPath(
  document: ResourceDocument,
  op: PatchOpName,
  target: PatchPath,
  value: unknown,
  resource: ResourceSchema,
  lenientReadOnly: boolean,
) {
  const resolved = resolveAttribute(resource, target.path);
  if (!resolved)
    throw invalidPath(`"${formatPath(target.path)}" is not an attribute of ${resource.name}`);
  const { attribute } = resolved;
  const label = formatPath(target.path);
  if (attribute.mutability === 'readOnly' || resolved.subAttribute?.mutability === 'readOnly') {
    if (lenientReadOnly) return;
    throw mutability(`${label} is read-only`);
  }
  if (attribute.mutability === 'writeOnly') return; // password: accepted, never stored.
  if (attribute.mutability === 'immutable' && op !== 'add')
    throw mutability(`${label} is immutable`);

  const container = containerFor(document, resolved, op !== 'remove');
  if (!container) return; // remove from an extension that holds nothing: nothing to do.
  const sub = resolved.subAttribute;

  if (target.filter) {
    applyFiltered(container, op, attribute, target.filter, target.subAttribute, value, label);
  } else if (sub) {
    if (attribute.multiValued) {
      // `emails.value` without a filter addresses the sub-attribute of every element.
      const list = container[attribute.name];
      if (!Array.isArray(list)) {
        if (op === 'remove') return;
        container[attribute.name] = [{ [sub.name]: value }];
        return;
      }
      for (const element of list) {
        if (isPlainObject(element)) setOrRemove(element, sub, op, value, label);
      }
    } else {
      const parent = isPlainObject(container[attribute.name])
        ? (container[attribute.name] as Record<string, unknown>)
        : undefined;
      if (op === 'remove') {
        if (parent) {
          delete parent[sub.name];
          if (Object.keys(parent).length === 0) delete container[attribute.name];
        }
        return;
      }
      const next = parent ?? {};
      next[sub.name] = normalizeAttribute(sub, value, label);
      container[attribute.name] = next;
    }
  } else if (op === 'remove') {
    removeWhole(container, attribute, value);
  } else if (attribute.multiValued) {
    const incoming = (normalizeAttribute(attribute, value, label) as unknown[] | undefined) ?? [];
    if (op === 'replace') {
      container[attribute.name] = incoming;
    } else {
      // add: appends; a value already present is not added twice (RFC 7644 §3.5.2.1).
      const existing = Array.isArray(container[attribute.name])
        ? (container[attribute.name] as unknown[])
        : [];
      const seen = new Set(existing.map((element) => JSON.stringify(element)));
      if (incoming.some((element) => isPlainObject(element) && element.primary === true)) {
        for (const element of existing)
          if (isPlainObject(element) && element.primary === true) element.primary = false;
      }
      container[attribute.name] = [
        ...existing,
        ...incoming.filter((element) => !seen.has(JSON.stringify(element))),
      ];
    }
  } else if (
    attribute.type === 'complex' &&
    isPlainObject(container[attribute.name]) &&
    isPlainObject(value)
  ) {
    // add and replace of a complex attribute merge sub-attributes (RFC 7644 §3.5.2.1, §3.5.2.3).
    container[attribute.name] = { ...(container[attribute.name] as object), ...value };
  } else {
    container[attribute.name] = value;
  }
  if (resolved.extension && Object.keys(container).length === 0)
    delete document[resolved.extension];
}

function containerFor(
  document: ResourceDocument,
  resolved: ResolvedAttribute,
  create: boolean,
): Record<string, unknown> | undefined {
  if (!resolved.extension) return document;
  const existing = document[resolved.extension];
  if (isPlainObject(existing)) return existing;
  if (!create) return undefined;
  const fresh: Record<string, unknown> = {};
  document[resolved.extension] = fresh;
  return fresh;
}

function setOrRemove(
  element: Record<string, unknown>,
  sub: AttributeDefinition,
  op: PatchOpName,
  value: unknown,
  label: string,
) {
  if (op === 'remove') delete element[sub.name];
  else element[sub.name] = normalizeAttribute(sub, value, label);
}

function removeWhole(
  container: Record<string, unknown>,
  attribute: AttributeDefinition,
  value: unknown,
) {
  // Entra removes members with `path: "members"` and a list of `{ value }`: remove just those.
  if (attribute.multiValued && Array.isArray(value) && Array.isArray(container[attribute.name])) {
    const doomed = new Set(
      value.map((element) => (isPlainObject(element) ? String(element.value) : String(element))),
    );
    const kept = (container[attribute.name] as unknown[]).filter(
      (element) => !doomed.has(isPlainObject(element) ? String(element.value) : String(element)),
    );
    if (kept.length > 0) container[attribute.name] = kept;
    else delete container[attribute.name];
    return;
  }
  delete container[attribute.name];
}

function applyFiltered(
  container: Record<string, unknown>,
  op: PatchOpName,
  attribute: AttributeDefinition,
  filter: Filter,
  subName: string | undefined,
  value: unknown,
  label: string,
) {
  if (!attribute.multiValued)
    throw invalidPath(`${label} is not multi-valued, so it takes no value filter`);
  const sub = subName ? findAttribute(attribute.subAttributes, subName) : undefined;
  if (subName && !sub)
    throw invalidPath(`"${subName}" is not a sub-attribute of ${attribute.name}`);
  if (sub?.mutability === 'readOnly')
    throw mutability(`${attribute.name}.${sub.name} is read-only`);
  const list = Array.isArray(container[attribute.name])
    ? (container[attribute.name] as unknown[])
    : [];
  const matched = list.filter((element) => matchesValueFilter(filter, element, attribute));

  if (op === 'remove') {
    // Removing what is not there is a no-op, so a retried PATCH stays harmless.
    if (sub) {
      for (const element of matched) if (isPlainObject(element)) delete element[sub.name];
    } else {
      const kept = list.filter((element) => !matched.includes(element));
      if (kept.length > 0) container[attribute.name] = kept;
      else delete container[attribute.name];
    }
    return;
  }
  if (matched.length === 0) {
    // `add` to `emails[type eq "work"].value` when there is no work email yet creates it
    // (Entra sends this); `replace` with no match is noTarget (RFC 7644 §3.5.2.3).
    const seed = op === 'add' ? equalitySeed(filter, attribute) : undefined;
    if (!seed) throw noTarget(`No value of ${attribute.name} matches the filter`);
    const created = sub
      ? { ...seed, [sub.name]: value }
      : { ...seed, ...(isPlainObject(value) ? value : {}) };
    container[attribute.name] = [...list, created];
    return;
  }
  for (const element of matched) {
    if (!isPlainObject(element)) continue;
    if (sub) {
      element[sub.name] = normalizeAttribute(sub, value, `${label}.${sub.name}`);
    } else if (isPlainObject(value)) {
      if (op === 'replace') for (const key of Object.keys(element)) delete element[key];
      Object.assign(element, value);
    } else {
      throw ScimError.badRequest('invalidValue', `${label}[...] needs an object value`);
    }
  }
}

/** The sub-attribute values a filter of `eq` terms joined by `and` pins down, if it is one. */
function equalitySeed(
  filter: Filter,
  attribute: AttributeDefinition,
): Record<string, unknown> | undefined {
  if (filter.kind === 'and') {
    const left = equalitySeed(filter.left, attribute);
    const right = equalitySeed(filter.right, attribute);
    return left && right ? { ...left, ...right } : undefined;
  }
  if (filter.kind !== 'compare' || filter.op !== 'eq') return undefined;
  const sub = findAttribute(
    attribute.subAttributes,
    filter.path.subAttribute ?? filter.path.attribute,
  );
  return sub ? { [sub.name]: filter.value } : undefined;
}
