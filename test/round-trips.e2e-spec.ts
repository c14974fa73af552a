import { scimCompany, ScimCompany } from './factories/company.factory';
import { createGroup, oktaGroup } from './factories/group.factory';
import { createUser, oktaUser } from './factories/user.factory';
import { patchOp, scimClient, ScimClient } from './support/scim-client';
import { recordPgStatements } from './support/pg-statements';
import { createTestApp, TestApp } from './support/test-app';

/**
 * Round trips to PostgreSQL per SCIM request: on the production database a request's cost is
 * mostly its round trips (issue 16), so this fails when one grows. Every statement the pg
 * driver sends is one round trip (BEGIN and COMMIT included), except one sent behind another
 * still unanswered (pipelined), which shares its round trip. SQLite has none to count.
 */
const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;

onPostgres('round trips to PostgreSQL per SCIM request', () => {
  let t: TestApp;
  let company: ScimCompany;
  let scim: ScimClient;
  let recorded: ReturnType<typeof recordPgStatements>;

  beforeAll(async () => {
    // No webhook sender: it wakes on every commit, and its claims would count as the request's.
    t = await createTestApp({ WEBHOOK_DELIVERY: 'false' });
    company = await scimCompany(t);
    scim = scimClient(t, company.scimToken);
    recorded = recordPgStatements();
  });
  afterAll(async () => {
    recorded?.restore();
    await t?.close();
  });

  /** The statements one request sends, without what runs on timers of its own. */
  const roundTrips = async (request: () => Promise<unknown>) => {
    // Let the token's once-a-minute lastUsedAt and the provisioning log's flush go first.
    await request();
    await new Promise((resolve) => setTimeout(resolve, 50));
    recorded.sent.length = 0;
    await request();
    // Nor the NOTIFY that tells other instances of the commit: sent after it, on the
    // instance's listening connection (EventSignals.committed), not on the request's.
    const own = recorded.sent.filter(
      (sql) => !/provisioning_events|^(\+ )?UPDATE "scim_tokens"|pg_notify/.test(sql),
    );
    return recorded.roundTrips(own).length;
  };

  it('stays within its budget for reads and writes', async () => {
    const user = await createUser(scim, oktaUser());
    const group = await createGroup(scim, oktaGroup({ members: [{ value: user.id }] }));
    let n = 0;
    const deactivation = (id: string) => async () => {
      await scim
        .patch(`/Users/${id}`, patchOp({ op: 'replace', path: 'active', value: true }))
        .expect(200);
      recorded.sent.length = 0;
      await scim
        .patch(`/Users/${id}`, patchOp({ op: 'replace', path: 'active', value: false }))
        .expect(200);
    };
    const counts = {
      getById: await roundTrips(() => scim.get(`/Users/${user.id}`).expect(200)),
      groupById: await roundTrips(() => scim.get(`/Groups/${group.id}`).expect(200)),
      groupRename: await roundTrips(() =>
        scim
          .patch(
            `/Groups/${group.id}`,
            patchOp({ op: 'replace', path: 'displayName', value: `Group ${n++}` }),
          )
          .expect(204),
      ),
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
      groupPost: await roundTrips(() =>
        scim
          .post('/Groups', oktaGroup({ displayName: `g${n++}`, members: [{ value: user.id }] }))
          .expect(201),
      ),
      groupAdd: await roundTrips(async () => {
        const other = await createUser(scim, oktaUser({ userName: `m${n++}@example.com` }));
        recorded.sent.length = 0;
        await scim
          .patch(
            `/Groups/${group.id}`,
            patchOp({ op: 'add', path: 'members', value: [{ value: other.id }] }),
          )
          .expect(204);
      }),
      groupRemove: await roundTrips(async () => {
        const other = await createUser(scim, oktaUser({ userName: `m${n++}@example.com` }));
        await scim
          .patch(
            `/Groups/${group.id}`,
            patchOp({ op: 'add', path: 'members', value: [{ value: other.id }] }),
          )
          .expect(204);
        recorded.sent.length = 0;
        await scim
          .patch(
            `/Groups/${group.id}`,
            patchOp({ op: 'remove', path: `members[value eq "${other.id}"]` }),
          )
          .expect(204);
      }),
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
    // A read, by id or a list: one statement, the token with its company's SCIM switch and
    // beside it the user (or the page of users) with its groups. A change: BEGIN with one read
    // (the token beside the locked user with its groups, the access policy, its mappings and
    // the roles they give, and the members of the user and its email), then every write with
    // the outbox in one statement (writeAtCommit) with the COMMIT; a new email's old rows are
    // deleted in a statement of their own first. A create: the same read without a user (no
    // lock), then that one statement, on its own: it needs neither BEGIN nor COMMIT
    // (deferPostgresBegin). The token rides in the first read once the instance has seen it
    // admitted (TokenCheckedInRead).
    // A group by id: the group beside the token, then its members (3 before the token rode
    // along). A group renamed: BEGIN with the locked group beside the token, then its
    // statements (5 before). A member added (what an IdP's group push sends): BEGIN with the
    // locked group beside the token, the member's lookup, the insert that says whom it added,
    // the access read, then the group's count and version with the outbox and the COMMIT (7
    // before: a read of who was present, and the group's row on its own). A member removed:
    // the delete says whom it removed (6 before). A group created with a member: the member's
    // lookup beside the token, the group with its count, the membership rows, the access read
    // and the outbox (7 before: the token on its own, and the count a second write of the row).
    expect(counts).toEqual({
      getById: 1,
      groupById: 2,
      groupRename: 4,
      groupPost: 5,
      groupAdd: 5,
      groupRemove: 4,
      filterUserName: 1,
      post: 2,
      deactivate: 2,
      put: 2,
      newEmail: 3,
    });
    expect(mapped).toEqual({ post: 2, deactivate: 2 });
  });
});
