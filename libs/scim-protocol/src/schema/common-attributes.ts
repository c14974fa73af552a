import { attribute, AttributeDefinition } from './attribute';

/** The common attributes of RFC 7643 §3.1, part of every resource. */
export const COMMON_ATTRIBUTES: AttributeDefinition[] = [
  attribute(
    'id',
    'string',
    'A unique identifier for a SCIM resource as defined by the service provider.',
    {
      caseExact: true,
      mutability: 'readOnly',
      returned: 'always',
      uniqueness: 'server',
    },
  ),
  attribute(
    'externalId',
    'string',
    'A String that is an identifier for the resource as defined by the provisioning client.',
    {
      caseExact: true,
    },
  ),
  attribute('meta', 'complex', 'A complex attribute containing resource metadata.', {
    mutability: 'readOnly',
    subAttributes: [
      attribute('resourceType', 'string', 'The name of the resource type of the resource.', {
        caseExact: true,
        mutability: 'readOnly',
      }),
      attribute(
        'created',
        'dateTime',
        'The date and time the resource was added to the service provider.',
        { mutability: 'readOnly' },
      ),
      attribute(
        'lastModified',
        'dateTime',
        'The most recent date and time that the details of this resource were updated.',
        {
          mutability: 'readOnly',
        },
      ),
      attribute('location', 'reference', 'The URI of the resource being returned.', {
        caseExact: true,
        mutability: 'readOnly',
      }),
      attribute('version', 'string', 'The version of the resource being returned.', {
        caseExact: true,
        mutability: 'readOnly',
      }),
    ],
  }),
];
