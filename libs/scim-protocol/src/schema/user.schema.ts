import { SCIM_ENTERPRISE_USER_SCHEMA, SCIM_USER_SCHEMA } from '../schema-urns';
import { attribute, multiValuedSubAttributes, SchemaDefinition } from './attribute';

const multi = { multiValued: true };

/** The User schema of RFC 7643 §4.1, with its characteristics as §8.7.1 gives them. */
export const USER_SCHEMA: SchemaDefinition = {
  id: SCIM_USER_SCHEMA,
  name: 'User',
  description: 'User Account',
  attributes: [
    attribute(
      'userName',
      'string',
      "Unique identifier for the User, typically used by the user to directly authenticate to the service provider. Here it is the user's email address, which links the user to a company member.",
      { required: true, uniqueness: 'server' },
    ),
    attribute('name', 'complex', "The components of the user's real name.", {
      subAttributes: [
        attribute('formatted', 'string', 'The full name, formatted for display.'),
        attribute('familyName', 'string', 'The family name of the User.'),
        attribute('givenName', 'string', 'The given name of the User.'),
        attribute('middleName', 'string', 'The middle name(s) of the User.'),
        attribute('honorificPrefix', 'string', 'The honorific prefix(es) of the User.'),
        attribute('honorificSuffix', 'string', 'The honorific suffix(es) of the User.'),
      ],
    }),
    attribute('displayName', 'string', 'The name of the User, suitable for display to end-users.'),
    attribute('nickName', 'string', 'The casual way to address the user in real life.'),
    attribute(
      'profileUrl',
      'reference',
      "A fully qualified URL pointing to a page representing the User's online profile.",
      {
        referenceTypes: ['external'],
      },
    ),
    attribute('title', 'string', 'The user\'s title, such as "Vice President".'),
    attribute(
      'userType',
      'string',
      'Used to identify the relationship between the organization and the user.',
    ),
    attribute(
      'preferredLanguage',
      'string',
      "Indicates the User's preferred written or spoken language.",
    ),
    attribute(
      'locale',
      'string',
      "Used to indicate the User's default location for purposes of localizing items.",
    ),
    attribute(
      'timezone',
      'string',
      "The User's time zone in the 'Olson' time zone database format.",
    ),
    attribute('active', 'boolean', "A Boolean value indicating the User's administrative status."),
    attribute(
      'password',
      'string',
      "The User's cleartext password. Never returned, and not stored by this service.",
      {
        mutability: 'writeOnly',
        returned: 'never',
      },
    ),
    attribute('emails', 'complex', 'Email addresses for the user.', {
      ...multi,
      subAttributes: multiValuedSubAttributes('Email addresses for the user.', [
        'work',
        'home',
        'other',
      ]),
    }),
    attribute('phoneNumbers', 'complex', 'Phone numbers for the User.', {
      ...multi,
      subAttributes: multiValuedSubAttributes('Phone number of the User.', [
        'work',
        'home',
        'mobile',
        'fax',
        'pager',
        'other',
      ]),
    }),
    attribute('ims', 'complex', 'Instant messaging addresses for the User.', {
      ...multi,
      subAttributes: multiValuedSubAttributes('Instant messaging address for the User.', [
        'aim',
        'gtalk',
        'icq',
        'xmpp',
        'msn',
        'skype',
        'qq',
        'yahoo',
      ]),
    }),
    attribute('photos', 'complex', 'URLs of photos of the User.', {
      ...multi,
      subAttributes: multiValuedSubAttributes(
        'URL of a photo of the User.',
        ['photo', 'thumbnail'],
        { referenceTypes: ['external'] },
        'reference',
      ),
    }),
    attribute('addresses', 'complex', 'A physical mailing address for this User.', {
      ...multi,
      subAttributes: [
        attribute('formatted', 'string', 'The full mailing address, formatted for display.'),
        attribute('streetAddress', 'string', 'The full street address component.'),
        attribute('locality', 'string', 'The city or locality component.'),
        attribute('region', 'string', 'The state or region component.'),
        attribute('postalCode', 'string', 'The zip code or postal code component.'),
        attribute('country', 'string', 'The country name component.'),
        attribute('type', 'string', "A label indicating the attribute's function.", {
          canonicalValues: ['work', 'home', 'other'],
        }),
        attribute('primary', 'boolean', 'Indicates the primary mailing address.'),
      ],
    }),
    attribute(
      'groups',
      'complex',
      'A list of groups to which the user belongs, either through direct membership or through nested groups.',
      {
        ...multi,
        mutability: 'readOnly',
        subAttributes: [
          attribute('value', 'string', "The identifier of the User's group.", {
            mutability: 'readOnly',
          }),
          attribute('$ref', 'reference', "The URI of the corresponding 'Group' resource.", {
            mutability: 'readOnly',
            referenceTypes: ['Group'],
          }),
          attribute('display', 'string', 'A human-readable name for the group.', {
            mutability: 'readOnly',
          }),
          attribute('type', 'string', "A label indicating the attribute's function.", {
            mutability: 'readOnly',
            canonicalValues: ['direct', 'indirect'],
          }),
        ],
      },
    ),
    attribute('entitlements', 'complex', 'A list of entitlements for the User.', {
      ...multi,
      subAttributes: multiValuedSubAttributes('The value of an entitlement.', []),
    }),
    attribute('roles', 'complex', 'A list of roles for the User.', {
      ...multi,
      subAttributes: multiValuedSubAttributes('The value of a role.', []),
    }),
    attribute('x509Certificates', 'complex', 'A list of certificates issued to the User.', {
      ...multi,
      subAttributes: multiValuedSubAttributes(
        'The value of an X.509 certificate.',
        [],
        {},
        'binary',
      ),
    }),
  ],
};

/** The enterprise User extension of RFC 7643 §4.3. */
export const ENTERPRISE_USER_SCHEMA: SchemaDefinition = {
  id: SCIM_ENTERPRISE_USER_SCHEMA,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    attribute(
      'employeeNumber',
      'string',
      'Numeric or alphanumeric identifier assigned to a person.',
    ),
    attribute('costCenter', 'string', 'Identifies the name of a cost center.'),
    attribute('organization', 'string', 'Identifies the name of an organization.'),
    attribute('division', 'string', 'Identifies the name of a division.'),
    attribute('department', 'string', 'Identifies the name of a department.'),
    attribute('manager', 'complex', "The User's manager.", {
      subAttributes: [
        attribute(
          'value',
          'string',
          "The id of the SCIM resource representing the User's manager.",
        ),
        attribute(
          '$ref',
          'reference',
          "The URI of the SCIM resource representing the User's manager.",
          { referenceTypes: ['User'] },
        ),
        attribute('displayName', 'string', "The displayName of the User's manager.", {
          mutability: 'readOnly',
        }),
      ],
    }),
  ],
};
