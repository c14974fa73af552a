/** Attribute characteristics of RFC 7643 §2.2 and §7. */
export type AttributeType =
  'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'binary' | 'reference' | 'complex';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';
export type Uniqueness = 'none' | 'server' | 'global';

export interface AttributeDefinition {
  name: string;
  type: AttributeType;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: Mutability;
  returned: Returned;
  uniqueness: Uniqueness;
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: AttributeDefinition[];
}

export interface SchemaDefinition {
  id: string;
  name: string;
  description: string;
  attributes: AttributeDefinition[];
}

type Options = Partial<Omit<AttributeDefinition, 'name' | 'type' | 'description'>>;

/** Builds a definition with the RFC 7643 §2.2 defaults for anything not said. */
export function attribute(
  name: string,
  type: AttributeType,
  description: string,
  options: Options = {},
): AttributeDefinition {
  return {
    name,
    type,
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...options,
  };
}

/** The usual sub-attributes of a multi-valued attribute (RFC 7643 §2.4). */
export function multiValuedSubAttributes(
  valueDescription: string,
  types: string[],
  valueOptions: Options = {},
  valueType: AttributeType = 'string',
): AttributeDefinition[] {
  return [
    attribute('value', valueType, valueDescription, valueOptions),
    attribute('display', 'string', 'A human-readable name, primarily used for display purposes.'),
    attribute('type', 'string', "A label indicating the attribute's function.", {
      canonicalValues: types,
    }),
    attribute('primary', 'boolean', 'Indicates the primary or preferred attribute value.'),
  ];
}

/** Case-insensitive lookup of a sub-attribute or attribute by name (RFC 7643 §2.1). */
export function findAttribute(
  attributes: readonly AttributeDefinition[] | undefined,
  name: string,
): AttributeDefinition | undefined {
  const lower = name.toLowerCase();
  return attributes?.find((candidate) => candidate.name.toLowerCase() === lower);
}
