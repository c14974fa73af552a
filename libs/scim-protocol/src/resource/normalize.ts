import { ScimError } from '../scim-error';
import { AttributeDefinition, findAttribute } from '../schema/attribute';
import { findExtension, ResourceSchema } from '../schema/resource-schema';
import { COMMON_ATTRIBUTES } from '../schema/common-attributes';
import { isPlainObject, ResourceDocument } from './document';

const invalidValue = (detail: string) => ScimError.badRequest('invalidValue', detail);

/**
 * Bounds on what one resource may hold, so a hostile body cannot cost more than a sane one.
 * Real IdPs send users of one to two kilobytes with one to three emails; these caps are far
 * above that, and they bound a list answer too (at most maxResults x MAX_RESOURCE_BYTES).
 */
export const MAX_STRING_LENGTH = 65_536;
export const MAX_MULTI_VALUES = 100;
/** The largest stored document of one user or group (its members apart), in UTF-8 bytes. */
export const MAX_RESOURCE_BYTES = 32_768;

/** Refuses a document larger than MAX_RESOURCE_BYTES once stored (400 invalidValue). */
export function requireResourceSize(document: ResourceDocument, resource: ResourceSchema): void {
  const bytes = Buffer.byteLength(JSON.stringify(document));
  if (bytes > MAX_RESOURCE_BYTES) {
    throw invalidValue(
      `The ${resource.name} would take ${bytes} bytes once stored; at most ${MAX_RESOURCE_BYTES} are allowed`,
    );
  }
}

/**
 * Turns a client's resource body (POST or PUT) into the stored document: attribute names and
 * schema URNs matched case-insensitively, values checked against their schema, read-only
 * input ignored, attributes no schema defines ignored (RFC 7644 §3.3), attributes of an
 * extension the client lists in `schemas` but we do not define kept as sent.
 */
export function normalizeResource(body: unknown, resource: ResourceSchema): ResourceDocument {
  if (!isPlainObject(body))
    throw ScimError.badRequest('invalidSyntax', `The body must be a ${resource.name} object`);
  const listed = listedSchemas(body, resource);
  const document: ResourceDocument = {};
  for (const [key, value] of Object.entries(liftCoreAttributes(body, resource))) {
    const lower = key.toLowerCase();
    if (lower === 'schemas') continue;
    if (lower.startsWith('urn:')) {
      placeUrnKey(document, key, value, resource, listed);
      continue;
    }
    placeCoreKey(document, key, value, resource);
  }
  return document;
}

/**
 * Core attributes nested under the core schema URN (`{"urn:…:core:2.0:User": {"userName": …}}`),
 * as some clients send them, lifted to the top level: the URN is the attributes' namespace
 * (RFC 7643 §3), so this is the flat form written longer. A body without it is returned as is.
 */
export function liftCoreAttributes(
  body: Record<string, unknown>,
  resource: ResourceSchema,
): Record<string, unknown> {
  const coreKey = Object.keys(body).find(
    (key) => key.toLowerCase() === resource.core.id.toLowerCase(),
  );
  if (coreKey === undefined) return body;
  const { [coreKey]: nested, ...flat } = body;
  if (nested === null) return flat;
  if (!isPlainObject(nested)) throw invalidValue(`${resource.core.id} must be an object`);
  return { ...flat, ...nested };
}

function placeCoreKey(
  document: ResourceDocument,
  key: string,
  value: unknown,
  resource: ResourceSchema,
) {
  const attribute =
    findAttribute(COMMON_ATTRIBUTES, key) ?? findAttribute(resource.core.attributes, key);
  if (!attribute) return; // RFC 7644 §3.3: attributes no schema defines are ignored.
  setNormalized(document, attribute, value, attribute.name);
}

/** Applies schema checks to a value already placed by PATCH: the same rules as a PUT. */
export function renormalize(
  document: ResourceDocument,
  resource: ResourceSchema,
): ResourceDocument {
  const schemas = [
    resource.core.id,
    ...Object.keys(document).filter((key) => key.toLowerCase().startsWith('urn:')),
  ];
  return normalizeResource({ ...document, schemas }, resource);
}

export function requireAttributes(document: ResourceDocument, resource: ResourceSchema): void {
  for (const attribute of resource.core.attributes) {
    if (
      attribute.required &&
      (document[attribute.name] === undefined || document[attribute.name] === '')
    ) {
      throw invalidValue(`${attribute.name} is required`);
    }
  }
}

function listedSchemas(body: Record<string, unknown>, resource: ResourceSchema): Set<string> {
  const schemas = Object.entries(body).find(([key]) => key.toLowerCase() === 'schemas')?.[1];
  if (schemas === undefined) return new Set(); // Lenient: some clients omit `schemas`.
  if (!Array.isArray(schemas) || !schemas.every((urn) => typeof urn === 'string')) {
    throw ScimError.badRequest('invalidSyntax', 'schemas must be an array of schema URNs');
  }
  const lower = new Set(schemas.map((urn) => urn.toLowerCase()));
  if (!lower.has(resource.core.id.toLowerCase())) {
    throw invalidValue(`schemas must include ${resource.core.id}`);
  }
  return lower;
}

function placeUrnKey(
  document: ResourceDocument,
  key: string,
  value: unknown,
  resource: ResourceSchema,
  listed: Set<string>,
) {
  const extension = findExtension(resource, key);
  if (extension) {
    if (value === null) return;
    if (!isPlainObject(value)) throw invalidValue(`${extension.id} must be an object`);
    const target = (document[extension.id] ??= {}) as ResourceDocument;
    for (const [name, inner] of Object.entries(value)) {
      const attribute = findAttribute(extension.attributes, name);
      if (attribute) setNormalized(target, attribute, inner, `${extension.id}:${attribute.name}`);
    }
    if (Object.keys(target).length === 0) delete document[extension.id];
    return;
  }
  // A flattened `urn:...:User:attribute` key (some clients send extension attributes so).
  const cut = key.lastIndexOf(':');
  const prefix = key.slice(0, cut);
  const qualified = findExtension(resource, prefix);
  if (qualified) {
    const attribute = findAttribute(qualified.attributes, key.slice(cut + 1));
    if (attribute) {
      const target = (document[qualified.id] ??= {}) as ResourceDocument;
      setNormalized(target, attribute, value, `${qualified.id}:${attribute.name}`);
      if (Object.keys(target).length === 0) delete document[qualified.id];
    }
    return;
  }
  if (prefix.toLowerCase() === resource.core.id.toLowerCase()) {
    placeCoreKey(document, key.slice(cut + 1), value, resource);
    return;
  }
  // An extension we do not define: kept as sent when the client lists it in `schemas`.
  if (listed.has(key.toLowerCase()) && value !== null && value !== undefined) {
    if (JSON.stringify(value).length > MAX_STRING_LENGTH) throw invalidValue(`${key} is too large`);
    document[key] = value;
  }
}

function setNormalized(
  target: ResourceDocument,
  attribute: AttributeDefinition,
  value: unknown,
  label: string,
) {
  // Read-only input is ignored (RFC 7643 §2.2); so is the write-only password, which this
  // service neither needs nor stores (sign-in belongs to the platform's SSO).
  if (attribute.mutability === 'readOnly' || attribute.mutability === 'writeOnly') return;
  const normalized = normalizeAttribute(attribute, value, label);
  if (normalized === undefined) delete target[attribute.name];
  else target[attribute.name] = normalized;
}

/** Normalizes one attribute's value; undefined means "unassigned". */
export function normalizeAttribute(
  attribute: AttributeDefinition,
  value: unknown,
  label: string,
): unknown {
  if (value === null || value === undefined) return undefined;
  if (attribute.multiValued) {
    // Lenient: a single value where a list is expected becomes a list of one.
    const list = Array.isArray(value) ? value : [value];
    if (list.length > MAX_MULTI_VALUES)
      throw invalidValue(`${label} has more than ${MAX_MULTI_VALUES} values`);
    const values = list
      .map((element) => normalizeSingle(attribute, element, label))
      .filter((element) => element !== undefined);
    if (attribute.subAttributes && findAttribute(attribute.subAttributes, 'primary')) {
      // RFC 7643 §2.4: "primary" true appears at most once; keep the first.
      let seen = false;
      for (const element of values as Record<string, unknown>[]) {
        if (element.primary === true) {
          if (seen) element.primary = false;
          seen = true;
        }
      }
    }
    return values.length > 0 ? values : undefined;
  }
  if (Array.isArray(value)) {
    // Lenient: a one-element list where a single value is expected.
    if (value.length === 1) return normalizeSingle(attribute, value[0], label);
    throw invalidValue(`${label} takes a single value, not a list`);
  }
  return normalizeSingle(attribute, value, label);
}

function normalizeSingle(attribute: AttributeDefinition, value: unknown, label: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (attribute.type === 'complex') {
    // Entra sends the enterprise manager as a bare id; a complex value of one string is its value.
    const object =
      (typeof value === 'string' || typeof value === 'number') &&
      findAttribute(attribute.subAttributes, 'value')
        ? { value }
        : value;
    if (!isPlainObject(object)) throw invalidValue(`${label} must be an object`);
    const result: Record<string, unknown> = {};
    for (const [name, inner] of Object.entries(object)) {
      const sub = findAttribute(attribute.subAttributes, name);
      if (!sub || sub.mutability === 'readOnly') continue;
      const normalized = normalizeSingle(sub, inner, `${label}.${sub.name}`);
      if (normalized !== undefined) result[sub.name] = normalized;
    }
    return Object.keys(result).length > 0 ? result : undefined;
  }
  return normalizeSimple(attribute, value, label);
}

function normalizeSimple(attribute: AttributeDefinition, value: unknown, label: string): unknown {
  switch (attribute.type) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      // Entra sends "True"/"False" strings for booleans.
      if (typeof value === 'string' && /^(true|false)$/i.test(value))
        return value.toLowerCase() === 'true';
      throw invalidValue(`${label} must be a boolean`);
    case 'integer':
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
      throw invalidValue(`${label} must be an integer`);
    case 'decimal':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      throw invalidValue(`${label} must be a number`);
    case 'dateTime':
      if (typeof value === 'string' && !Number.isNaN(Date.parse(value)))
        return new Date(value).toISOString();
      throw invalidValue(`${label} must be an xsd:dateTime such as 2026-01-01T00:00:00Z`);
    default: {
      // string, reference, binary. Numbers are taken as their text (employeeNumber: 42).
      if (typeof value === 'number' && Number.isFinite(value)) return String(value);
      if (typeof value !== 'string') throw invalidValue(`${label} must be a string`);
      if (value.length > MAX_STRING_LENGTH)
        throw invalidValue(`${label} is longer than ${MAX_STRING_LENGTH} characters`);
      return value;
    }
  }
}
