import fc from 'fast-check';
import { ScimError } from '../scim-error';
import { USER_RESOURCE } from '../schema/resource-types';
import { SCIM_ENTERPRISE_USER_SCHEMA as ENTERPRISE } from '../schema-urns';
import { cloneJson, ResourceDocument } from './document';
import { normalizeResource } from './normalize';
import { applyPatch, parsePatchRequest, PatchOperation } from './patch';

const base = (): ResourceDocument =>
  normalizeResource(
    {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
      userName: 'bjensen@example.com',
      name: { givenName: 'Barbara', familyName: 'Jensen' },
      active: true,
      emails: [
        { value: 'bjensen@example.com', type: 'work', primary: true },
        { value: 'babs@jensen.org', type: 'home' },
      ],
      [ENTERPRISE]: { department: 'Tour Operations', manager: { value: 'm-1' } },
    },
    USER_RESOURCE,
  );

const patch = (doc: ResourceDocument, ...operations: PatchOperation[]) =>
  applyPatch(doc, operations, USER_RESOURCE);
const scimType = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    return (error as ScimError).scimType;
  }
  throw new Error('expected a ScimError');
};

describe('PATCH engine (RFC 7644 §3.5.2)', () => {
  it('reads op names in any letter case and treats an empty Operations list as a no-op', () => {
    expect(
      parsePatchRequest({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'Replace', path: 'active', value: false }],
      }),
    ).toEqual([{ op: 'replace', path: 'active', value: false }]);
    expect(parsePatchRequest({ Operations: [] })).toEqual([]);
    expect(scimType(() => parsePatchRequest({ Operations: [{ op: 'merge', path: 'x' }] }))).toBe(
      'invalidSyntax',
    );
    expect(scimType(() => parsePatchRequest({ schemas: ['urn:wrong'], Operations: [] }))).toBe(
      'invalidSyntax',
    );
  });

  it('replaces a simple attribute, coercing Entra\'s "False" string to a boolean', () => {
    expect(patch(base(), { op: 'replace', path: 'active', value: 'False' }).active).toBe(false);
  });

  it('adds to a multi-valued attribute without duplicating, and moves "primary"', () => {
    const doc = patch(base(), {
      op: 'add',
      path: 'emails',
      value: [{ value: 'new@example.com', type: 'other', primary: true }],
    });
    expect(doc.emails).toEqual([
      { value: 'bjensen@example.com', type: 'work', primary: false },
      { value: 'babs@jensen.org', type: 'home' },
      { value: 'new@example.com', type: 'other', primary: true },
    ]);
    const again = patch(base(), {
      op: 'add',
      path: 'emails',
      value: [{ value: 'babs@jensen.org', type: 'home' }],
    });
    expect((again.emails as unknown[]).length).toBe(2);
  });

  it('replaces the sub-attribute of filtered values, and refuses a filter that matches nothing', () => {
    const doc = patch(base(), {
      op: 'replace',
      path: 'emails[type eq "work"].value',
      value: 'barbara@example.com',
    });
    expect((doc.emails as { value: string }[])[0].value).toBe('barbara@example.com');
    expect(
      scimType(() =>
        patch(base(), { op: 'replace', path: 'emails[type eq "fax"].value', value: 'x' }),
      ),
    ).toBe('noTarget');
  });

  it('creates the value an "add" to a filtered path names when there is none yet (Entra)', () => {
    const doc = patch(base(), {
      op: 'add',
      path: 'phoneNumbers[type eq "mobile"].value',
      value: '+1 555 0100',
    });
    expect(doc.phoneNumbers).toEqual([{ type: 'mobile', value: '+1 555 0100' }]);
  });

  it('removes filtered values, a sub-attribute, and a whole attribute; remove needs a path', () => {
    expect(patch(base(), { op: 'remove', path: 'emails[type eq "home"]' }).emails).toEqual([
      { value: 'bjensen@example.com', type: 'work', primary: true },
    ]);
    expect(patch(base(), { op: 'remove', path: 'name.givenName' }).name).toEqual({
      familyName: 'Jensen',
    });
    expect(patch(base(), { op: 'remove', path: 'emails' }).emails).toBeUndefined();
    expect(scimType(() => patch(base(), { op: 'remove' }))).toBe('noTarget');
  });

  it('applies a path-less replace with dotted and URN-qualified keys (Entra)', () => {
    const doc = patch(base(), {
      op: 'replace',
      value: {
        'name.givenName': 'Babs',
        [`${ENTERPRISE}:department`]: 'Sales',
        [`${ENTERPRISE}:manager`]: 'm-2',
        displayName: 'Babs Jensen',
        id: 'ignored',
        unknownAttribute: 'ignored',
      },
    });
    expect(doc.name).toEqual({ givenName: 'Babs', familyName: 'Jensen' });
    expect(doc.displayName).toBe('Babs Jensen');
    expect(doc[ENTERPRISE]).toEqual({ department: 'Sales', manager: { value: 'm-2' } });
    expect(doc.id).toBeUndefined();
  });

  it('handles URN-prefixed paths into the enterprise extension', () => {
    const doc = patch(base(), { op: 'replace', path: `${ENTERPRISE}:manager.value`, value: 'm-3' });
    expect((doc[ENTERPRISE] as { manager: unknown }).manager).toEqual({ value: 'm-3' });
    const removed = patch(
      base(),
      { op: 'remove', path: `${ENTERPRISE}:department` },
      { op: 'remove', path: `${ENTERPRISE}:manager` },
    );
    expect(removed[ENTERPRISE]).toBeUndefined();
  });

  it('refuses read-only targets, unknown paths, bad values and removing a required attribute', () => {
    expect(scimType(() => patch(base(), { op: 'replace', path: 'id', value: 'x' }))).toBe(
      'mutability',
    );
    expect(scimType(() => patch(base(), { op: 'replace', path: 'groups', value: [] }))).toBe(
      'mutability',
    );
    expect(scimType(() => patch(base(), { op: 'replace', path: 'nope', value: 1 }))).toBe(
      'invalidPath',
    );
    expect(scimType(() => patch(base(), { op: 'replace', path: 'active', value: 'maybe' }))).toBe(
      'invalidValue',
    );
    expect(scimType(() => patch(base(), { op: 'remove', path: 'userName' }))).toBe('invalidValue');
  });

  it('changes all or nothing: a failing operation leaves the original untouched', () => {
    const original = base();
    const snapshot = cloneJson(original);
    expect(() =>
      patch(
        original,
        { op: 'replace', path: 'displayName', value: 'Changed' },
        { op: 'replace', path: 'id', value: 'x' },
      ),
    ).toThrow(ScimError);
    expect(original).toEqual(snapshot);
  });

  it('filters past an object a PATCH put where a simple value belongs, prototype or not (a 400, never a TypeError)', () => {
    // fast-check's counterexample (seed -1778458857): a value filter compared String() of an
    // array holding an object without a prototype, which throws.
    for (const element of [Object.create(null) as object, {}]) {
      Object.assign(element, { value: '', type: 'work', primary: false });
      expect(
        scimType(() =>
          patch(
            base(),
            { op: 'remove', path: 'emails[value co "@"]' },
            { op: 'add', path: 'emails.value', value: [element] },
            { op: 'add', path: 'emails[value co "@"]', value: 'True' },
          ),
        ),
      ).toBe('noTarget');
    }
  });

  it('property: any generated PATCH either applies or is a 400 SCIM error, and never mutates its input', () => {
    const paths = fc.constantFrom(
      'active',
      'displayName',
      'name.givenName',
      'name',
      'emails',
      'emails.value',
      'emails[type eq "work"]',
      'emails[type eq "work"].value',
      'emails[value co "@"]',
      'phoneNumbers',
      'title',
      `${ENTERPRISE}:department`,
      `${ENTERPRISE}:manager`,
      'id',
      'meta',
      'groups',
      'userName',
      'nope',
      'emails[',
      '',
      '__proto__',
      'x.y.z',
    );
    const values = fc.oneof(
      fc.string({ maxLength: 10 }),
      fc.boolean(),
      fc.constant(null),
      fc.integer(),
      fc.constantFrom('True', 'False'),
      fc.array(
        fc.record({
          value: fc.string({ maxLength: 8 }),
          type: fc.constantFrom('work', 'home'),
          primary: fc.boolean(),
        }),
        { maxLength: 3 },
      ),
      fc.dictionary(
        fc.constantFrom(
          'givenName',
          'value',
          '__proto__',
          'constructor',
          'displayName',
          'name.familyName',
        ),
        fc.string({ maxLength: 5 }),
      ),
    );
    const operation = fc.record({
      op: fc.constantFrom('add', 'replace', 'remove') as fc.Arbitrary<PatchOperation['op']>,
      path: fc.option(paths, { nil: undefined }),
      value: values,
    });
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 4 }), (operations) => {
        const original = base();
        const snapshot = JSON.stringify(original);
        try {
          const result = patch(original, ...operations);
          expect(typeof result.userName).toBe('string');
          expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
        } catch (error) {
          expect(error).toBeInstanceOf(ScimError);
          expect((error as ScimError).status).toBe(400);
        }
        expect(JSON.stringify(original)).toBe(snapshot);
      }),
      { numRuns: 1000 },
    );
  });
});
