import { SCIM_BULK_REQUEST_SCHEMA } from '../schema-urns';
import {
  bulkExecutionOrder,
  bulkIdReferences,
  parseBulkRequest,
  resolveBulkIdReferences,
  UnresolvedBulkId,
} from './bulk-request';

const request = (Operations: unknown[]) =>
  parseBulkRequest({ schemas: [SCIM_BULK_REQUEST_SCHEMA], Operations }, 100);
const post = (bulkId: string, data: unknown = {}, path = '/Users') => ({
  method: 'POST',
  path,
  bulkId,
  data,
});

describe('Bulk requests (RFC 7644 §3.7)', () => {
  it('reads methods, paths and keys in any case', () => {
    const { operations, failOnErrors } = parseBulkRequest(
      {
        SCHEMAS: [SCIM_BULK_REQUEST_SCHEMA.toUpperCase()],
        operations: [{ Method: 'patch', PATH: 'groups/abc%2Fdef', Data: {}, Version: 'W/"2"' }],
        FailOnErrors: 3,
      },
      10,
    );
    expect(failOnErrors).toBe(3);
    expect(operations[0]).toMatchObject({
      method: 'PATCH',
      resourceType: 'Groups',
      resourceId: 'abc/def',
      version: 'W/"2"',
    });
  });

  it('finds references in the path and anywhere in the data', () => {
    const [operation] = request([
      {
        method: 'PATCH',
        path: '/Groups/bulkId:g',
        data: {
          Operations: [{ op: 'add', value: [{ value: 'bulkId:u1' }, { value: 'bulkId:u2' }] }],
        },
      },
    ]).operations;
    expect([...bulkIdReferences(operation)].sort()).toEqual(['g', 'u1', 'u2']);
  });

  it('keeps request order, moving an operation only after what it refers to', () => {
    const { operations } = request([
      post('group', { members: [{ value: 'bulkId:late' }] }, '/Groups'),
      post('early'),
      post('late'),
      { method: 'DELETE', path: '/Users/bulkId:early' },
    ]);
    const { order, circular } = bulkExecutionOrder(operations);
    expect(order.map((operation) => operation.index)).toEqual([1, 2, 0, 3]);
    expect(circular).toEqual([]);
  });

  it('sets apart circles and what waits on them, and marks undefined references', () => {
    const { operations } = request([
      post('a', { members: [{ value: 'bulkId:b' }] }, '/Groups'),
      post('b', { members: [{ value: 'bulkId:a' }] }, '/Groups'),
      post('c', { members: [{ value: 'bulkId:a' }] }, '/Groups'),
      post('d', { members: [{ value: 'bulkId:zzz' }] }, '/Groups'),
      post('e'),
    ]);
    const { order, circular, undefinedReference } = bulkExecutionOrder(operations);
    expect(order.map((operation) => operation.index)).toEqual([3, 4]);
    expect(circular.map((operation) => operation.index)).toEqual([0, 1, 2]);
    expect(undefinedReference.get(operations[3])).toBe('zzz');
  });

  it('substitutes created ids without letting "__proto__" become a prototype', () => {
    const data = JSON.parse(
      '{"__proto__": {"polluted": "bulkId:x"}, "members": [{"value": "bulkId:x"}]}',
    );
    const resolved = resolveBulkIdReferences(data, new Map([['x', 'id-1']]));
    expect(resolved.members[0].value).toBe('id-1');
    expect(Object.getPrototypeOf(resolved)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(resolved, '__proto__')?.value).toEqual({
      polluted: 'id-1',
    });
    expect(() => resolveBulkIdReferences('bulkId:y', new Map())).toThrow(UnresolvedBulkId);
  });

  it('refuses what cannot run, naming the operation', () => {
    expect(() => request([{ method: 'POST', path: '/Users', data: {} }])).toThrow(
      'Operations[0].bulkId is required with POST',
    );
    expect(() => request([{ method: 'DELETE', path: '/Users/' }])).toThrow('one resource');
    expect(() => request([{ method: 'PUT', path: '/Users/1' }])).toThrow('data is required');
    expect(() => request([{ method: 'POST', path: '/Users/1', bulkId: 'x', data: {} }])).toThrow(
      'collection',
    );
    expect(() => request([{ method: 'DELETE', path: '/Schemas/x' }])).toThrow('path must be');
    expect(() =>
      parseBulkRequest({ schemas: [SCIM_BULK_REQUEST_SCHEMA], Operations: [{}, {}] }, 1),
    ).toThrow('at most 1 operations');
  });
});
