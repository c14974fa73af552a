import fc from 'fast-check';
import { ScimError } from '../scim-error';
import { Filter, formatPath } from './filter.ast';
import { parseFilter, parsePatchPath } from './filter.parser';

const userName = { attribute: 'userName' };

describe('parseFilter (RFC 7644 §3.4.2.2)', () => {
  it.each(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'])(
    'parses the %s operator',
    (op) => {
      expect(parseFilter(`userName ${op} "bjensen"`)).toEqual({
        kind: 'compare',
        path: userName,
        op,
        value: 'bjensen',
      });
    },
  );

  it('parses pr, booleans, null, numbers and dates', () => {
    expect(parseFilter('title pr')).toEqual({ kind: 'present', path: { attribute: 'title' } });
    expect(parseFilter('active eq true')).toMatchObject({ value: true });
    expect(parseFilter('active eq False')).toMatchObject({ value: false });
    expect(parseFilter('title eq null')).toMatchObject({ value: null });
    expect(parseFilter('x.y gt -1.5e3')).toMatchObject({
      path: { attribute: 'x', subAttribute: 'y' },
      value: -1500,
    });
    expect(parseFilter('meta.lastModified gt "2011-05-13T04:42:34Z"')).toMatchObject({
      path: { attribute: 'meta', subAttribute: 'lastModified' },
      value: '2011-05-13T04:42:34Z',
    });
  });

  it('gives "not" and grouping the tightest binding, then "and", then "or"', () => {
    const parsed = parseFilter('a eq 1 or b eq 2 and not (c eq 3)');
    expect(parsed).toEqual({
      kind: 'or',
      left: { kind: 'compare', path: { attribute: 'a' }, op: 'eq', value: 1 },
      right: {
        kind: 'and',
        left: { kind: 'compare', path: { attribute: 'b' }, op: 'eq', value: 2 },
        right: {
          kind: 'not',
          filter: { kind: 'compare', path: { attribute: 'c' }, op: 'eq', value: 3 },
        },
      },
    });
    const grouped = parseFilter('(a eq 1 or b eq 2) and c eq 3');
    expect(grouped.kind).toBe('and');
  });

  it('parses value paths with inner logic, and URN-qualified paths', () => {
    expect(parseFilter('emails[type eq "work" and value co "@example.com"]')).toEqual({
      kind: 'valuePath',
      path: { attribute: 'emails' },
      filter: {
        kind: 'and',
        left: { kind: 'compare', path: { attribute: 'type' }, op: 'eq', value: 'work' },
        right: { kind: 'compare', path: { attribute: 'value' }, op: 'co', value: '@example.com' },
      },
    });
    expect(
      parseFilter(
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"',
      ),
    ).toMatchObject({
      path: {
        schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
        attribute: 'manager',
        subAttribute: 'value',
      },
    });
  });

  it('is lenient where IdPs deviate: unquoted values, mixed-case operators and keywords', () => {
    expect(parseFilter('externalId eq jyoung')).toMatchObject({ op: 'eq', value: 'jyoung' });
    expect(parseFilter('name.FamilyName EQ Employee')).toMatchObject({
      path: { attribute: 'name', subAttribute: 'FamilyName' },
      op: 'eq',
      value: 'Employee',
    });
    expect(parseFilter('a Eq 1 AND b eq 2 Or NOT (c pr)').kind).toBe('or');
  });

  it('reads JSON string escapes', () => {
    expect(parseFilter('displayName eq "Say \\"hi\\" \\u00e9"')).toMatchObject({
      value: 'Say "hi" é',
    });
    // Half of a surrogate pair is read as U+FFFD, as a body's is stored; a whole pair is kept.
    expect(parseFilter('displayName eq "cut \\ud83d \\ud83d\\ude00"')).toMatchObject({
      value: 'cut \ufffd \u{1F600}',
    });
  });

  it.each([
    ['', /empty/],
    ['userName', /Expected an operator after "userName"/],
    ['userName eq', /Expected a value/],
    ['userName like "x"', /Unknown operator "like" at position 10/],
    ['userName eq "x" and', /Expected an attribute/],
    ['(userName eq "x"', /Expected "\)"/],
    ['userName eq "x")', /Unexpected "\)" at position 16/],
    ['emails[type eq "work"', /Expected "\]"/],
    ['emails[type[value eq 1] eq 1]', /cannot nest/],
    ['userName eq "unterminated', /Unterminated string starting at position 13/],
    ['1bad eq 1', /not an attribute path/],
    ['not userName eq "x"', /Expected "\(" after "not"/],
  ])('refuses %j with invalidFilter saying where', (text, message) => {
    try {
      parseFilter(text);
      throw new Error('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(ScimError);
      expect((error as ScimError).scimType).toBe('invalidFilter');
      expect((error as ScimError).status).toBe(400);
      expect((error as ScimError).detail).toMatch(message);
    }
  });

  it('bounds nesting depth and length', () => {
    expect(() => parseFilter('('.repeat(40) + 'a pr' + ')'.repeat(40))).toThrow(/deeper than 32/);
    expect(() => parseFilter(`userName eq "${'x'.repeat(5000)}"`)).toThrow(/longer than 4096/);
  });

  describe('properties', () => {
    const name = fc
      .stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,8}$/)
      .filter((s) => !['and', 'or', 'not', 'pr'].includes(s.toLowerCase()));
    const path = fc
      .record({ attribute: name, subAttribute: fc.option(name, { nil: undefined }) })
      .map((p) => (p.subAttribute ? p : { attribute: p.attribute }));
    const value = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.boolean(),
      fc.constant(null),
      fc.integer(),
    );
    const op = fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le');
    const leaf: fc.Arbitrary<Filter> = fc.oneof(
      fc.record({ kind: fc.constant('compare' as const), path, op, value }),
      fc.record({ kind: fc.constant('present' as const), path }),
    );
    const filter = fc.letrec<{ f: Filter }>((tie) => ({
      f: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.record({ kind: fc.constant('and' as const), left: tie('f'), right: tie('f') }),
        fc.record({ kind: fc.constant('or' as const), left: tie('f'), right: tie('f') }),
        fc.record({ kind: fc.constant('not' as const), filter: tie('f') }),
      ),
    })).f;

    /** Prints a filter fully parenthesised, so the parse must give the same tree back. */
    function print(f: Filter): string {
      switch (f.kind) {
        case 'compare':
          return `${formatPath(f.path)} ${f.op} ${JSON.stringify(f.value)}`;
        case 'present':
          return `${formatPath(f.path)} pr`;
        case 'and':
        case 'or':
          return `(${print(f.left)}) ${f.kind} (${print(f.right)})`;
        case 'not':
          return `not (${print(f.filter)})`;
        default:
          throw new Error('unused');
      }
    }

    it('round-trips every printed filter', () => {
      fc.assert(
        fc.property(filter, (f) => {
          expect(parseFilter(print(f))).toEqual(f);
        }),
        { numRuns: 1000 },
      );
    });

    it('answers any string with a filter or an invalidFilter error, never anything else', () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string({ maxLength: 60 }),
            fc
              .array(
                fc.constantFrom(
                  'a',
                  ' ',
                  '(',
                  ')',
                  '[',
                  ']',
                  '"',
                  'eq',
                  'and',
                  'or',
                  'not',
                  'pr',
                  '.',
                  ':',
                  '\\',
                ),
                { maxLength: 40 },
              )
              .map((parts) => parts.join('')),
          ),
          (text) => {
            try {
              parseFilter(text);
            } catch (error) {
              expect(error).toBeInstanceOf(ScimError);
              expect((error as ScimError).scimType).toBe('invalidFilter');
            }
          },
        ),
        { numRuns: 2000 },
      );
    });
  });
});

describe('parsePatchPath (RFC 7644 §3.5.2)', () => {
  it('parses attribute paths, value paths with a sub-attribute, and URN prefixes', () => {
    expect(parsePatchPath('name.familyName')).toEqual({
      path: { attribute: 'name', subAttribute: 'familyName' },
    });
    expect(parsePatchPath('emails[type eq "work"].value')).toEqual({
      path: { attribute: 'emails' },
      filter: { kind: 'compare', path: { attribute: 'type' }, op: 'eq', value: 'work' },
      subAttribute: 'value',
    });
    expect(
      parsePatchPath('members[value eq "2819c223-7f76-453a-919d-413861904646"]'),
    ).toMatchObject({
      path: { attribute: 'members' },
    });
    expect(
      parsePatchPath('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber'),
    ).toEqual({
      path: {
        schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
        attribute: 'employeeNumber',
      },
    });
  });

  it('refuses bad paths with invalidPath', () => {
    for (const bad of [
      '',
      'emails[type eq "work"',
      'a.b.c',
      'emails[type eq "work"]x',
      'emails[]',
    ]) {
      expect(() => parsePatchPath(bad)).toThrow(ScimError);
      try {
        parsePatchPath(bad);
      } catch (error) {
        expect((error as ScimError).scimType).toBe('invalidPath');
      }
    }
  });
});
