import { SCIM_RESOURCE_TYPE_SCHEMA, SCIM_SCHEMA_SCHEMA } from '../schema-urns';
import { AttributeDefinition, SchemaDefinition } from './attribute';
import { ResourceSchema } from './resource-schema';

function attributeResource(attribute: AttributeDefinition): Record<string, unknown> {
  const { subAttributes, ...rest } = attribute;
  return {
    ...rest,
    ...(subAttributes ? { subAttributes: subAttributes.map(attributeResource) } : {}),
  };
}

/** A schema as the /Schemas endpoint serves it (RFC 7643 §7). */
export function schemaResource(schema: SchemaDefinition, baseUrl: string) {
  return {
    schemas: [SCIM_SCHEMA_SCHEMA],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes.map(attributeResource),
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${schema.id}` },
  };
}

/** A resource type as the /ResourceTypes endpoint serves it (RFC 7643 §6). */
export function resourceTypeResource(resource: ResourceSchema, baseUrl: string) {
  return {
    schemas: [SCIM_RESOURCE_TYPE_SCHEMA],
    id: resource.name,
    name: resource.name,
    endpoint: resource.endpoint,
    description: resource.description,
    schema: resource.core.id,
    schemaExtensions: resource.extensions.map((extension) => ({
      schema: extension.id,
      required: false,
    })),
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${resource.name}` },
  };
}
