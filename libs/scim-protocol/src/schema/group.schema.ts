import { SCIM_GROUP_SCHEMA } from '../schema-urns';
import { attribute, SchemaDefinition } from './attribute';

/** The Group schema of RFC 7643 §4.2. */
export const GROUP_SCHEMA: SchemaDefinition = {
  id: SCIM_GROUP_SCHEMA,
  name: 'Group',
  description: 'Group',
  attributes: [
    attribute('displayName', 'string', 'A human-readable name for the Group.', {
      required: true,
      uniqueness: 'server',
    }),
    attribute('members', 'complex', 'A list of members of the Group.', {
      multiValued: true,
      subAttributes: [
        attribute('value', 'string', 'Identifier of the member of this Group.', {
          mutability: 'immutable',
        }),
        attribute(
          '$ref',
          'reference',
          'The URI corresponding to a SCIM resource that is a member of this Group.',
          {
            mutability: 'immutable',
            referenceTypes: ['User', 'Group'],
          },
        ),
        attribute('display', 'string', 'A human-readable name for the member.', {
          mutability: 'readOnly',
        }),
        attribute('type', 'string', 'A label indicating the type of resource.', {
          mutability: 'immutable',
          canonicalValues: ['User', 'Group'],
        }),
      ],
    }),
  ],
};
