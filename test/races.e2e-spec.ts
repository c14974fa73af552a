import { scimCompany } from './factories/company.factory';
import { createGroup, oktaGroup } from './factories/group.factory';
import { createUser, oktaUser } from './factories/user.factory';
import { patchOp, scimClient } from './support/scim-client';
import { createTestApp, TestApp } from './support/test-app';

describe('concurrent writes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('50 concurrent creates of one userName give exactly one 201 and 49 409 uniqueness', async () => {
    const company = await scimCompany(t);
    const scim = scimClient(t, company.scimToken);
    const body = oktaUser({ userName: 'race@example.com' });
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => scim.post('/Users', body)),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(49);
    expect(responses.find((response) => response.status === 409)!.body.scimType).toBe('uniqueness');
    const list = await scim.get('/Users').expect(200);
    expect(list.body.totalResults).toBe(1);
  });

  it('concurrent PATCHes adding members to one group lose no member', async () => {
    const company = await scimCompany(t);
    const scim = scimClient(t, company.scimToken);
    const users = await Promise.all(Array.from({ length: 30 }, () => createUser(scim)));
    const group = await createGroup(scim, oktaGroup());
    const responses = await Promise.all(
      users.map((user) =>
        scim.patch(
          `/Groups/${group.id}`,
          patchOp({ op: 'add', path: 'members', value: [{ value: user.id }] }),
        ),
      ),
    );
    expect(responses.map((response) => response.status)).toEqual(users.map(() => 204));
    const read = await scim.get(`/Groups/${group.id}`).expect(200);
    expect(read.body.members).toHaveLength(30);
  });
});
