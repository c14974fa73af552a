import { Client } from 'pg';

/** What pg keeps of a connection's statements in flight (private fields of pg's Client). */
interface ClientQueues {
  pipeline?: boolean;
  _activeQuery: unknown;
  _sentQueryQueue: unknown[];
  _queryQueue: unknown[];
}

/**
 * Records every statement the pg driver sends, in order. A statement sent while an earlier
 * one on its connection is still unanswered (pipeline mode) is marked `+ `: it shares that
 * statement's round trip. `roundTrips()` counts the rest.
 */
export function recordPgStatements() {
  const sent: string[] = [];
  const send = Client.prototype.query as (this: Client, ...args: unknown[]) => unknown;
  const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (
    this: Client,
    ...args: unknown[]
  ) {
    const first = args[0] as string | { text?: string };
    const queues = this as unknown as ClientQueues;
    const inFlight =
      queues._activeQuery != null ||
      queues._sentQueryQueue.length > 0 ||
      queues._queryQueue.length > 0;
    const sql = typeof first === 'string' ? first : String(first?.text);
    sent.push(queues.pipeline && inFlight ? `+ ${sql}` : sql);
    return send.apply(this, args);
  } as never);
  return {
    sent,
    /** The recorded statements that waited for no other: one round trip each. */
    roundTrips: (statements: string[] = sent) => statements.filter((s) => !s.startsWith('+ ')),
    restore: () => spy.mockRestore(),
  };
}
