import { SCIM_ENTERPRISE_USER_SCHEMA } from '@app/scim-protocol';
import { userResource, userResourceJson, UserRow } from './user.resource';

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
