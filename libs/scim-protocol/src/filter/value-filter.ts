import { foldCase } from '../fold';
import { AttributeDefinition, findAttribute } from '../schema/attribute';
import { CompareValue, Filter } from './filter.ast';

/**
 * Evaluates a value filter (`emails[type eq "work"]`) against one element of a multi-valued
 * attribute, in memory: used by PATCH paths and by `attributes=emails[...]`. Paths name the
 * element's sub-attributes; comparison follows each sub-attribute's caseExact.
 */
export function matchesValueFilter(
  filter: Filter,
  element: unknown,
  attribute: AttributeDefinition,
): boolean {
  switch (filter.kind) {
    case 'and':
      return (
        matchesValueFilter(filter.left, element, attribute) &&
        matchesValueFilter(filter.right, element, attribute)
      );
    case 'or':
      return (
        matchesValueFilter(filter.left, element, attribute) ||
        matchesValueFilter(filter.right, element, attribute)
      );
    case 'not':
      return !matchesValueFilter(filter.filter, element, attribute);
    case 'valuePath':
      return false;
    case 'present':
    case 'compare': {
      const name = filter.path.subAttribute ?? filter.path.attribute;
      const sub = attribute.subAttributes
        ? findAttribute(attribute.subAttributes, name)
        : undefined;
      let actual: unknown;
      if (attribute.subAttributes) {
        if (!sub || typeof element !== 'object' || element === null) return false;
        actual = (element as Record<string, unknown>)[sub.name];
      } else {
        // A multi-valued attribute of simple values: "value" names the value itself.
        actual = name.toLowerCase() === 'value' ? element : undefined;
      }
      if (filter.kind === 'present')
        return actual !== undefined && actual !== null && actual !== '';
      return compare(actual, filter.op, filter.value, sub?.caseExact ?? false);
    }
  }
}

/** One comparison with SCIM semantics; shared with anything that filters in memory. */
export function compare(
  actual: unknown,
  op: string,
  expected: CompareValue,
  caseExact: boolean,
): boolean {
  if (op === 'ne') return !compare(actual, 'eq', expected, caseExact);
  if (actual === undefined || actual === null) return false;
  // An object or array where a simple value belongs (a PATCH may have put one there) is no
  // value a comparison can match (RFC 7644 §3.4.2.2 compares simple attributes); its String()
  // is not SCIM data, and throws for an object without a prototype.
  if (typeof actual === 'object') return false;
  if (typeof actual === 'boolean' || typeof expected === 'boolean') {
    const wanted = typeof expected === 'string' ? expected.toLowerCase() === 'true' : expected;
    return op === 'eq' && actual === wanted;
  }
  if (typeof actual === 'number' && typeof expected === 'number') {
    return op === 'eq'
      ? actual === expected
      : op === 'gt'
        ? actual > expected
        : op === 'ge'
          ? actual >= expected
          : op === 'lt'
            ? actual < expected
            : op === 'le'
              ? actual <= expected
              : false;
  }
  let left = String(actual);
  let right = expected === null ? '' : String(expected);
  if (!caseExact) {
    left = foldCase(left);
    right = foldCase(right);
  }
  switch (op) {
    case 'eq':
      return left === right;
    case 'co':
      return left.includes(right);
    case 'sw':
      return left.startsWith(right);
    case 'ew':
      return left.endsWith(right);
    case 'gt':
      return left > right;
    case 'ge':
      return left >= right;
    case 'lt':
      return left < right;
    case 'le':
      return left <= right;
    default:
      return false;
  }
}
