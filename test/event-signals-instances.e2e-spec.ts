import { Client } from 'pg';
import { EventSignals } from '@app/events';
import { createUser, oktaUser } from './factories/user.factory';
import { scimClient } from './support/scim-client';
import { TestApp } from './support/test-app';
import { twoInstances } from './support/two-instances';

/**
 * Commit signals between two instances on one PostgreSQL database (EventSignals): a commit
 * with events on one wakes the other's listeners, by a NOTIFY sent after the commit on the
 * first one's listening connection, never inside the committing transaction (where it would
 * serialize every company's commits on the database's notification lock).
 */
const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;

onPostgres('commit signals across instances', () => {
  const instances = twoInstances();

  /** Signals `t`'s listeners get until the returned function is called. */
  const signalsOf = (t: TestApp) => {
    const seen = { events: 0, deliveries: 0 };
    const signals = t.app.get(EventSignals);
    const stops = [
      signals.subscribe(() => seen.events++, 'events'),
      signals.subscribe(() => seen.deliveries++, 'deliveries'),
    ];
    return { seen, stop: () => stops.forEach((stop) => stop()) };
  };
  const until = async (condition: () => boolean) => {
    const deadline = Date.now() + 5000;
    while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return condition();
  };

  it('wakes the other instance after a commit, once per batch, and not twice itself', async () => {
    const { one, two, company } = instances;
    const here = signalsOf(one);
    const there = signalsOf(two);
    const sent: string[] = [];
    const query = Client.prototype.query;
    const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (
      this: Client,
      ...args: unknown[]
    ) {
      const first = args[0] as string | { text?: string };
      sent.push(typeof first === 'string' ? first : String(first?.text));
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as never);
    try {
      const scim = scimClient(one, company.scimToken);
      await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          createUser(scim, oktaUser({ userName: `signal${i}@example.com` })),
        ),
      );
      expect(await until(() => there.seen.events > 0)).toBe(true);
      // No committing statement notifies: the NOTIFY is its own, after the commits, and a
      // burst of commits is told in fewer notifications than it has commits.
      const notifies = sent.filter((sql) => sql.includes('pg_notify'));
      expect(notifies.length).toBeGreaterThan(0);
      expect(notifies.every((sql) => sql === 'SELECT pg_notify($1, $2)')).toBe(true);
      expect(notifies.length).toBeLessThanOrEqual(8);
      // Each commit woke its own instance once, in-process; its own NOTIFY did not again.
      await new Promise((r) => setTimeout(r, 200));
      expect(here.seen.events).toBe(8);
    } finally {
      spy.mockRestore();
      here.stop();
      there.stop();
    }
  });
});
