/** An attribute path (RFC 7644 §3.10): `[urn:...:]attribute[.subAttribute]`. */
export interface AttributePath {
  /** The schema URN prefix, as written, when the path was URN-qualified. */
  schema?: string;
  attribute: string;
  subAttribute?: string;
}

export type CompareOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type CompareValue = string | number | boolean | null;

/** The filter grammar of RFC 7644 §3.4.2.2 as a tree. */
export type Filter =
  | { kind: 'compare'; path: AttributePath; op: CompareOperator; value: CompareValue }
  | { kind: 'present'; path: AttributePath }
  | { kind: 'and'; left: Filter; right: Filter }
  | { kind: 'or'; left: Filter; right: Filter }
  | { kind: 'not'; filter: Filter }
  /** `emails[type eq "work" and value co "@example.com"]`: the inner filter's paths are sub-attributes. */
  | { kind: 'valuePath'; path: AttributePath; filter: Filter };

export const COMPARE_OPERATORS: readonly CompareOperator[] = [
  'eq',
  'ne',
  'co',
  'sw',
  'ew',
  'gt',
  'ge',
  'lt',
  'le',
];

export function formatPath(path: AttributePath): string {
  const name = path.subAttribute ? `${path.attribute}.${path.subAttribute}` : path.attribute;
  return path.schema ? `${path.schema}:${name}` : name;
}
