import { ScimError } from '../scim-error';
import { AttributePath, formatPath } from '../filter/filter.ast';
import { AttributeDefinition, findAttribute, SchemaDefinition } from './attribute';
import { COMMON_ATTRIBUTES } from './common-attributes';

/** A resource type (RFC 7643 §6): its core schema and the extensions it supports. */
export interface ResourceSchema {
  name: string;
  endpoint: string;
  description: string;
  core: SchemaDefinition;
  extensions: SchemaDefinition[];
}

/** Where an attribute path lands: in the core schema, or inside an extension's object. */
export interface ResolvedAttribute {
  /** The extension URN when the attribute lives in an extension; undefined for core/common. */
  extension?: string;
  attribute: AttributeDefinition;
  subAttribute?: AttributeDefinition;
}

export function findExtension(resource: ResourceSchema, urn: string): SchemaDefinition | undefined {
  const lower = urn.toLowerCase();
  return resource.extensions.find((extension) => extension.id.toLowerCase() === lower);
}

/**
 * Resolves a path against a resource type, case-insensitively (RFC 7643 §2.1). An unqualified
 * name is looked up in the common attributes, then the core schema, then the extensions (the
 * last for clients that leave extension attributes unqualified). Returns undefined when no
 * schema defines it.
 */
export function resolveAttribute(
  resource: ResourceSchema,
  path: AttributePath,
): ResolvedAttribute | undefined {
  let extension: SchemaDefinition | undefined;
  let attribute: AttributeDefinition | undefined;
  if (path.schema) {
    if (path.schema.toLowerCase() === resource.core.id.toLowerCase()) {
      attribute =
        findAttribute(resource.core.attributes, path.attribute) ??
        findAttribute(COMMON_ATTRIBUTES, path.attribute);
    } else {
      extension = findExtension(resource, path.schema);
      attribute = extension && findAttribute(extension.attributes, path.attribute);
    }
  } else {
    attribute =
      findAttribute(COMMON_ATTRIBUTES, path.attribute) ??
      findAttribute(resource.core.attributes, path.attribute);
    if (!attribute) {
      for (const candidate of resource.extensions) {
        attribute = findAttribute(candidate.attributes, path.attribute);
        if (attribute) {
          extension = candidate;
          break;
        }
      }
    }
  }
  if (!attribute) return undefined;
  let subAttribute: AttributeDefinition | undefined;
  if (path.subAttribute) {
    subAttribute = findAttribute(attribute.subAttributes, path.subAttribute);
    if (!subAttribute) return undefined;
  }
  return { extension: extension?.id, attribute, subAttribute };
}

/** As resolveAttribute, but a path no schema defines is the given SCIM error. */
export function requireAttribute(
  resource: ResourceSchema,
  path: AttributePath,
  error: (detail: string) => ScimError,
): ResolvedAttribute {
  const resolved = resolveAttribute(resource, path);
  if (!resolved) throw error(`"${formatPath(path)}" is not an attribute of ${resource.name}`);
  return resolved;
}
