import { ScimError } from '../scim-error';
import { AttributePath, Filter } from '../filter/filter.ast';
import { parsePatchPath } from '../filter/filter.parser';
import { matchesValueFilter } from '../filter/value-filter';
import { AttributeDefinition } from '../schema/attribute';
import { COMMON_ATTRIBUTES } from '../schema/common-attributes';
import { resolveAttribute, ResourceSchema } from '../schema/resource-schema';
import { isPlainObject } from './document';

/** `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5), parsed once per request. */
export interface Projection {
  attributes?: ProjectedPath[];
  excludedAttributes?: ProjectedPath[];
}

interface ProjectedPath {
  extension?: string;
  attribute: AttributeDefinition;
  sub?: AttributeDefinition;
  filter?: Filter;
}

const invalid = (detail: string) => ScimError.badRequest('invalidValue', detail);

/** Parses the comma-separated lists; an attribute no schema defines is a 400. */
export function parseProjection(
  resource: ResourceSchema,
  attributes?: string | string[],
  excluded?: string | string[],
): Projection {
  const list = (value?: string | string[]) =>
    (Array.isArray(value) ? value.join(',') : (value ?? ''))
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
  const resolve = (text: string): ProjectedPath => {
    let parsed;
    try {
      parsed = parsePatchPath(text);
    } catch {
      throw invalid(`"${text}" is not an attribute path`);
    }
    const path: AttributePath = parsed.subAttribute
      ? { ...parsed.path, subAttribute: parsed.subAttribute }
      : parsed.path;
    const resolved = resolveAttribute(resource, path);
    if (!resolved) throw invalid(`"${text}" is not an attribute of ${resource.name}`);
    return {
      extension: resolved.extension,
      attribute: resolved.attribute,
      sub: resolved.subAttribute,
      filter: parsed.filter,
    };
  };
  const included = list(attributes);
  const excludedList = list(excluded);
  return {
    ...(included.length ? { attributes: included.map(resolve) } : {}),
    ...(excludedList.length ? { excludedAttributes: excludedList.map(resolve) } : {}),
  };
}

/** True when the projection can leave this top-level attribute out entirely (to skip loading it). */
export function projectionOmits(projection: Projection, attributeName: string): boolean {
  if (projection.attributes) {
    return !projection.attributes.some(
      (path) => !path.extension && path.attribute.name === attributeName,
    );
  }
  return (
    projection.excludedAttributes?.some(
      (path) => !path.extension && !path.sub && path.attribute.name === attributeName,
    ) ?? false
  );
}

/**
 * Applies the projection to a full resource. `returned: always` attributes (id, schemas) stay;
 * `returned: never` (password) never appear; with `attributes`, default attributes not asked
 * for are left out; value paths keep only the matching values.
 */
export function project(
  resource: Record<string, unknown>,
  schema: ResourceSchema,
  projection: Projection,
): Record<string, unknown> {
  if (!projection.attributes && !projection.excludedAttributes) return resource;
  const alwaysReturned = (name: string) =>
    name === 'schemas' ||
    COMMON_ATTRIBUTES.some(
      (attribute) => attribute.name === name && attribute.returned === 'always',
    );

  if (projection.attributes) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(resource)) if (alwaysReturned(key)) out[key] = value;
    for (const path of projection.attributes) {
      const source = path.extension ? resource[path.extension] : resource;
      if (!isPlainObject(source) || source[path.attribute.name] === undefined) continue;
      const target = path.extension
        ? ((out[path.extension] ??= {}) as Record<string, unknown>)
        : out;
      const value = selectValue(source[path.attribute.name], path);
      if (value === undefined) continue;
      const previous = target[path.attribute.name];
      target[path.attribute.name] = mergeSelected(previous, value);
    }
    return out;
  }

  const out = structuredClone(resource);
  for (const path of projection.excludedAttributes ?? []) {
    const container = path.extension ? out[path.extension] : out;
    if (!isPlainObject(container) || alwaysReturned(path.attribute.name)) continue;
    if (!path.sub) {
      delete container[path.attribute.name];
    } else if (Array.isArray(container[path.attribute.name])) {
      for (const element of container[path.attribute.name] as unknown[]) {
        if (isPlainObject(element)) delete element[path.sub.name];
      }
    } else if (isPlainObject(container[path.attribute.name])) {
      delete (container[path.attribute.name] as Record<string, unknown>)[path.sub.name];
    }
    if (path.extension && isPlainObject(container) && Object.keys(container).length === 0)
      delete out[path.extension];
  }
  return out;
}

function selectValue(value: unknown, path: ProjectedPath): unknown {
  let selected = value;
  if (path.filter && Array.isArray(selected)) {
    selected = selected.filter((element) =>
      matchesValueFilter(path.filter!, element, path.attribute),
    );
    if ((selected as unknown[]).length === 0) return undefined;
  }
  if (!path.sub) return selected;
  const pick = (element: unknown) =>
    isPlainObject(element) && element[path.sub!.name] !== undefined
      ? { [path.sub!.name]: element[path.sub!.name] }
      : undefined;
  if (Array.isArray(selected)) {
    const picked = selected.map(pick).filter(Boolean);
    return picked.length ? picked : undefined;
  }
  return pick(selected);
}

/** Two requested paths of one attribute (`name.givenName,name.familyName`) combine. */
function mergeSelected(previous: unknown, next: unknown): unknown {
  if (previous === undefined) return next;
  if (isPlainObject(previous) && isPlainObject(next)) return { ...previous, ...next };
  if (Array.isArray(previous) && Array.isArray(next) && previous.length === next.length) {
    return previous.map((element, index) => ({
      ...(element as object),
      ...(next[index] as object),
    }));
  }
  return next;
}
