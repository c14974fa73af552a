import { foldCase } from '../fold';
import { AttributeDefinition, findAttribute } from '../schema/attribute';
import { findExtension, ResourceSchema } from '../schema/resource-schema';
import { isPlainObject, ResourceDocument } from './document';

/**
 * The document that filters and sorting read: the stored document with every string of a
 * `caseExact: false` attribute case-folded once, here, so that SQL compares folded text with
 * folded literals and SQLite and PostgreSQL agree. Unknown extensions are left out.
 */
export function searchDocument(
  document: ResourceDocument,
  resource: ResourceSchema,
): ResourceDocument {
  const out: ResourceDocument = {};
  for (const [key, value] of Object.entries(document)) {
    const extension = key.toLowerCase().startsWith('urn:')
      ? findExtension(resource, key)
      : undefined;
    if (extension) {
      if (isPlainObject(value)) out[extension.id] = foldObject(value, extension.attributes);
      continue;
    }
    const attribute = findAttribute(resource.core.attributes, key);
    if (attribute) out[key] = foldValue(value, attribute);
  }
  return out;
}

function foldObject(
  value: Record<string, unknown>,
  attributes: AttributeDefinition[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const attribute = findAttribute(attributes, key);
    if (attribute) out[key] = foldValue(inner, attribute);
  }
  return out;
}

function foldValue(value: unknown, attribute: AttributeDefinition): unknown {
  if (Array.isArray(value))
    return value.map((element) => foldValue(element, { ...attribute, multiValued: false }));
  if (attribute.type === 'complex')
    return isPlainObject(value) ? foldObject(value, attribute.subAttributes ?? []) : value;
  if (typeof value === 'string' && !attribute.caseExact && attribute.type === 'string')
    return foldCase(value);
  return value;
}
