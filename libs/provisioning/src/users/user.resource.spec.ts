import { SCIM_ENTERPRISE_USER_SCHEMA } from '@app/scim-protocol';
import { topLevelExtensions, userResource, userResourceJson, UserRow } from './user.resource';

const base = 'https://scim.test/api/scim/v2';

describe('userResourceJson', () => {
  const rows: UserRow[] = [
    {
      id: 'u1',
      externalId: null,
      document: '{}',
      version: 1,
      createdAt: 0,
      updatedAt: 5,
    },
    {
      id: 'u2',
      externalId: 'ext "quoted"',
      document: JSON.stringify({
        userName: 'a@b.c',
        active: false,
        name: { givenName: 'Ä "x"' },
        emails: [{ value: 'a@b.c', primary: true }],
        'urn:example:ext': { active: true },
        [SCIM_ENTERPRISE_USER_SCHEMA]: { department: 'Eng' },
      }),
      version: '7',
      createdAt: '1795371523108',
      updatedAt: '1795371523109',
    },
  ];

  it.each(rows)('is the same resource as userResource, as text', (row) => {
    const groups = [{ value: 'g1', display: 'Team "A"' }];
    expect(JSON.parse(userResourceJson(row, base, groups))).toEqual(
      userResource(row, base, groups),
    );
    expect(JSON.parse(userResourceJson(row, base))).toEqual(userResource(row, base));
  });

  it('lists the enterprise extension first in schemas', () => {
    expect(userResource(rows[1], base).schemas).toEqual([
      'urn:ietf:params:scim:schemas:core:2.0:User',
      SCIM_ENTERPRISE_USER_SCHEMA,
      'urn:example:ext',
    ]);
  });
});

describe('topLevelExtensions', () => {
  const listed = (document: Record<string, unknown>) =>
    Object.keys(document)
      .filter((key) => key.toLowerCase().startsWith('urn:'))
      .sort((a, b) =>
        a === SCIM_ENTERPRISE_USER_SCHEMA ? -1 : b === SCIM_ENTERPRISE_USER_SCHEMA ? 1 : 0,
      );

  it.each([
    {},
    { userName: 'a' },
    { 'urn:example:a': { x: 1 }, [SCIM_ENTERPRISE_USER_SCHEMA]: { department: 'Eng' } },
    // Nested `urn:` keys are not extensions; `urn:` text in values is not a key.
    { name: { 'urn:nested': 1 }, emails: [{ 'urn:in-array': 'v' }], title: 'urn:not-a-key' },
    // A value holding a quote, a colon and brackets, then escaped backslashes before its end.
    { title: '"urn:fake": {[', note: 'ends with \\', 'URN:Upper:Case': true },
    // Escaped quotes that would make a key if read as the string's end.
    { title: 'a","urn:evil":"b' },
    { a: [[{}], { b: '}' }], 'urn:x\\"quoted': [], 'urn:ä': { c: ']' } },
  ])('lists what parsing the document lists: %j', (document) => {
    expect(topLevelExtensions(JSON.stringify(document))).toEqual(listed(document));
  });
});
