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

  it('a create retried after a client timeout never makes a second user', async () => {
    const company = await scimCompany(t);
    const scim = scimClient(t, company.scimToken);
    // The IdP gives up on the first attempt (after 0 to 15 ms, so sometimes before the
    // server committed and sometimes after), then retries the same body, as Okta and Entra do.
    const outcomes = new Set<number>();
    for (let attempt = 0; attempt < 16; attempt++) {
      const body = oktaUser({ userName: `retry.${attempt}@example.com` });
      await scim
        .post('/Users', body)
        .timeout(attempt)
        .then(
          (response) => outcomes.add(response.status),
          () => outcomes.add(0),
        );
      const retry = await scim.post('/Users', { ...body, userName: body.userName.toUpperCase() });
      expect([201, 409]).toContain(retry.status);
      if (retry.status === 409) expect(retry.body.scimType).toBe('uniqueness');
      const found = await scim
        .get(`/Users?filter=${encodeURIComponent(`userName eq "${body.userName}"`)}`)
        .expect(200);
      expect(found.body.totalResults).toBe(1);
    }
    expect(outcomes.has(0)).toBe(true); // some first attempts really timed out
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
