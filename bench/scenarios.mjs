// What several benchmarks send: the same write scenarios, so their figures compare.

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

/** autocannon requests: PATCH `active` of the sample users in turn, false and true alternately. */
export function deactivations(sampleIds, headers) {
  let next = 0;
  return [
    {
      setupRequest: (r) => ({
        ...r,
        method: 'PATCH',
        path: `/api/scim/v2/Users/${sampleIds[next++ % sampleIds.length]}`,
        headers: headers(),
        body: JSON.stringify(patchOp({ op: 'replace', path: 'active', value: next % 2 === 0 })),
      }),
    },
  ];
}

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Stops a server that startServer started, and waits until it is gone. */
export async function stopServer(child) {
  child.kill('SIGTERM');
  await new Promise((done) => child.once('exit', done));
}
