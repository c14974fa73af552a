import { createUser, oktaUser } from './factories/user.factory';
import { patchOp, scimClient } from './support/scim-client';
import { TestApp } from './support/test-app';
import { twoInstances } from './support/two-instances';

/**
 * Kept drift with two instances on one PostgreSQL database (issue 16): both settle the
 * company's dirty members at once (each status card and stale list settles first) while SCIM
 * writes through both change some of those members. Settling skips rows a write holds, so
 * nothing waits or deadlocks, and whatever was skipped stays dirty for the next read: in the
 * end both instances give the same, right stale members.
 */
const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;

onPostgres('kept drift with two instances', () => {
  const instances = twoInstances();

  const admin = (t: TestApp, path: string) =>
    t.http
      .get(`/api/companies/${instances.company.companyId}${path}`)
      .set('Authorization', `Bearer ${instances.company.admin}`);

  it('settles concurrently on both, under writes, to the same stale members', async () => {
    const { one, two, company } = instances;
    const scims = [scimClient(one, company.scimToken), scimClient(two, company.scimToken)];
    const users: { id: string; userName: string }[] = [];
    for (let i = 0; i < 60; i += 10) {
      users.push(
        ...(await Promise.all(
          Array.from({ length: 10 }, (_, j) =>
            createUser(scims[(i + j) % 2], oktaUser({ userName: `drift${i + j}@example.com` })),
          ),
        )),
      );
    }
    // Access removed outside SCIM for 30 of them (the trigger marks them dirty).
    const removed = users.slice(0, 30);
    await one.query(
      `UPDATE "members" SET "status" = 'suspended' WHERE "companyId" = $1 AND "emailKey" = ANY($2)`,
      [company.companyId, removed.map((user) => user.userName)],
    );
    // Then, at once: status cards and stale lists on both instances, and the IdP deactivating
    // 10 of those (no longer stale: SCIM says so too) and 10 others (suspended by SCIM).
    const deactivated = [...users.slice(0, 10), ...users.slice(40, 50)];
    const answers = await Promise.all([
      ...Array.from({ length: 12 }, (_, i) =>
        admin(i % 2 ? two : one, i % 4 < 2 ? '/scim/status' : '/members?stale=true&limit=100'),
      ),
      ...deactivated.map((user, i) =>
        scims[i % 2].patch(
          `/Users/${user.id}`,
          patchOp({ op: 'replace', path: 'active', value: false }),
        ),
      ),
    ]);
    expect(answers.map((answer) => answer.status).filter((status) => status >= 300)).toEqual([]);

    const expected = users
      .slice(10, 30)
      .map((user) => user.userName)
      .sort();
    for (const t of [one, two]) {
      const card = await admin(t, '/scim/status').expect(200);
      expect(card.body).toMatchObject({
        staleMemberships: 20,
        staleByReason: expect.objectContaining({ access_removed_outside_scim: 20 }),
      });
      const stale = await admin(t, '/members?stale=true&limit=100').expect(200);
      expect(stale.body.items.map((member: { email: string }) => member.email).sort()).toEqual(
        expected,
      );
    }
  });
});
