import { Client } from 'pg';
import { scimCompany, ScimCompany } from './factories/company.factory';
import { createGroup, oktaGroup } from './factories/group.factory';
import { createUser, oktaUser } from './factories/user.factory';
import { patchOp, scimClient, ScimClient } from './support/scim-client';
import { createTestApp, TestApp } from './support/test-app';

/**
 * Round trips to PostgreSQL per SCIM request: on the production database a request's cost is
 * mostly its round trips (issue 16), so this fails when one grows. Every statement the pg
 * driver sends is one round trip (BEGIN and COMMIT included). SQLite has none to count.
 */
const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;

onPostgres('round trips to PostgreSQL per SCIM request', () => {
  let t: TestApp;
  let company: ScimCompany;
  let scim: ScimClient;
  let statements: string[];
  let spy: jest.SpyInstance;

  beforeAll(async () => {
    // No webhook sender: it wakes on every commit, and its claims would count as the request's.
    t = await createTestApp({ WEBHOOK_DELIVERY: 'false' });
    company = await scimCompany(t);
    scim = scimClient(t, company.scimToken);
    statements = [];
    const send = Client.prototype.query as (this: Client, ...args: unknown[]) => unknown;
    spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (
      this: Client,
      ...args: unknown[]
    ) {
      const first = args[0] as string | { text?: string };
      statements.push(typeof first === 'string' ? first : String(first?.text));
      return send.apply(this, args);
    } as never);
  });
  afterAll(async () => {
    spy?.mockRestore();
    await t?.close();
  });

  /** The statements one request sends, without what runs on timers of its own. */
  const roundTrips = async (request: () => Promise<unknown>) => {
    // Let the token's once-a-minute lastUsedAt and the provisioning log's flush go first.
    await request();
    await new Promise((resolve) => setTimeout(resolve, 50));
    statements.length = 0;
    await request();
    const own = statements.filter((sql) => !/provisioning_events|^UPDATE "scim_tokens"/.test(sql));
    return own.length;
  };

  it('stays within its budget for reads and writes', async () => {
    const user = await createUser(scim, oktaUser());
    const group = await createGroup(scim, oktaGroup({ members: [{ value: user.id }] }));
    let n = 0;
    const deactivation = (id: string) => async () => {
      await scim
        .patch(`/Users/${id}`, patchOp({ op: 'replace', path: 'active', value: true }))
        .expect(200);
      statements.length = 0;
      await scim
        .patch(`/Users/${id}`, patchOp({ op: 'replace', path: 'active', value: false }))
        .expect(200);
    };
    const counts = {
      getById: await roundTrips(() => scim.get(`/Users/${user.id}`).expect(200)),
      filterUserName: await roundTrips(() =>
        scim
          .get(`/Users?filter=${encodeURIComponent(`userName eq "${user.userName}"`)}`)
          .expect(200),
      ),
      post: await roundTrips(() =>
        scim.post('/Users', oktaUser({ userName: `rt${n++}@example.com` })).expect(201),
      ),
      deactivate: await roundTrips(deactivation(user.id)),
      put: await roundTrips(() =>
        scim
          .put(
            `/Users/${user.id}`,
            oktaUser({ userName: user.userName, emails: user.emails, title: `t${n++}` }),
          )
          .expect(200),
      ),
      // A new email: its rows rewritten (the old ones deleted first, one statement more).
      newEmail: await roundTrips(() =>
        scim
          .patch(
            `/Users/${user.id}`,
            patchOp({
              op: 'replace',
              path: 'emails',
              value: [{ value: `e${n++}@example.com`, primary: true }],
            }),
          )
          .expect(200),
      ),
    };
    // With a group mapping, the roles it gives come with the same read.
    await t.http
      .post(`/api/companies/${company.companyId}/scim/group-mappings`)
      .set('Authorization', `Bearer ${company.admin}`)
      .send({ groupId: group.id, role: 'admin' })
      .expect(201);
    const mapped = {
      post: await roundTrips(() =>
        scim.post('/Users', oktaUser({ userName: `rt${n++}@example.com` })).expect(201),
      ),
      deactivate: await roundTrips(deactivation(user.id)),
    };
    // A read: the token with its company's SCIM switch, then the user (or the page of users)
    // with its groups in one statement. A change: the token, BEGIN, one read (the locked user
    // with its groups, the access policy, its mappings and the roles they give, and the
    // members of the user and its email), then every write with the outbox in one statement
    // (writeAtCommit), COMMIT. A create: the token, the same read without a user (no lock),
    // then that one statement, on its own: it needs neither BEGIN nor COMMIT
    // (deferPostgresBegin).
    expect(counts).toEqual({
      getById: 2,
      filterUserName: 2,
      post: 3,
      deactivate: 5,
      put: 5,
      newEmail: 6,
    });
    expect(mapped).toEqual({ post: 3, deactivate: 5 });
  });
});
