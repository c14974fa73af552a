// What several benchmarks send: the same write scenarios, so their figures compare.
import autocannon from 'autocannon';

/**
 * One autocannon scenario (10 connections, DURATION seconds unless `options` say otherwise),
 * printed as one line and answered as a row: requests per second, p50, p99, errors.
 */
export async function measureRate(name, options) {
  const result = await autocannon({
    connections: 10,
    duration: Number(process.env.DURATION ?? 8),
    ...options,
  });
  const row = {
    name,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
  console.log(
    `${name.padEnd(48)} ${String(row.rps).padStart(7)} req/s  p50 ${row.p50} ms  p99 ${row.p99} ms  errors ${row.errors}`,
  );
  return row;
}

export const patchOp = (...Operations) => ({
  schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
  Operations,
});

/** autocannon requests: POST /Users of a new person each time (userNames from `prefix`). */
export function userCreations(prefix, headers) {
  let created = 0;
  return [
    {
      setupRequest: (r) => ({
        ...r,
        method: 'POST',
        path: '/api/scim/v2/Users',
        headers: headers(),
        body: JSON.stringify({
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: `${prefix}${created++}@bench.example.com`,
          name: { givenName: 'New', familyName: 'Person' },
          emails: [{ value: `${prefix}${created}@bench.example.com`, type: 'work', primary: true }],
          active: true,
        }),
      }),
    },
  ];
}

/**
 * autocannon requests: PATCH `active` of the sample users in turn, every one a change: the
 * first pass over them deactivates each, the second reactivates each, and so on. (Alternating
 * by request instead gave each user the same value on every pass after the first, when the
 * sample count is even: a PATCH that changes nothing, and a figure four times too kind.)
 */
export function deactivations(sampleIds, headers) {
  let next = 0;
  return [
    {
      setupRequest: (r) => {
        const pass = Math.floor(next / sampleIds.length);
        const id = sampleIds[next++ % sampleIds.length];
        return {
          ...r,
          method: 'PATCH',
          path: `/api/scim/v2/Users/${id}`,
          headers: headers(),
          body: JSON.stringify(patchOp({ op: 'replace', path: 'active', value: pass % 2 === 1 })),
        };
      },
    },
  ];
}

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Stops a server that startServer started, and waits until it is gone. */
export async function stopServer(child) {
  child.kill('SIGTERM');
  await new Promise((done) => child.once('exit', done));
}
