import { ScimError } from '../scim-error';
import {
  AttributePath,
  COMPARE_OPERATORS,
  CompareOperator,
  CompareValue,
  Filter,
} from './filter.ast';

/** Bounds that keep a hostile filter from costing more than a sane one. */
export const MAX_FILTER_LENGTH = 4096;
export const MAX_FILTER_DEPTH = 32;

type Token =
  | { type: '(' | ')' | '[' | ']'; at: number }
  | { type: 'string'; value: string; at: number }
  | { type: 'word'; value: string; at: number };

const ATTRIBUTE_NAME = /^(\$ref|[A-Za-z][A-Za-z0-9_-]*)$/;
const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

function invalid(detail: string): ScimError {
  return ScimError.badRequest('invalidFilter', detail);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '(' || c === ')' || c === '[' || c === ']') {
      tokens.push({ type: c, at: i });
      i++;
    } else if (c === '"') {
      // A JSON string (RFC 7644 §3.4.2.2: compValue strings are JSON strings).
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) throw invalid(`Unterminated string starting at position ${i + 1}`);
      let value: string;
      try {
        value = JSON.parse(text.slice(i, j + 1)) as string;
      } catch {
        throw invalid(`Invalid escape in the string at position ${i + 1}`);
      }
      if (value.includes('\u0000')) {
        throw invalid(
          `The string at position ${i + 1} contains U+0000, which no attribute can hold`,
        );
      }
      // Half of a surrogate pair reads as U+FFFD, as it is stored (see body parsing).
      tokens.push({ type: 'string', value: value.toWellFormed(), at: i });
      i = j + 1;
    } else {
      let j = i;
      while (j < text.length && !' \t\n\r()[]"'.includes(text[j])) j++;
      tokens.push({ type: 'word', value: text.slice(i, j), at: i });
      i = j;
    }
  }
  return tokens;
}

/** Parses `[urn:...:]attr[.sub]`; throws `error(detail)` when it is not one. */
export function parseAttributePath(
  text: string,
  error: (detail: string) => ScimError = invalid,
): AttributePath {
  let schema: string | undefined;
  let rest = text;
  if (/^urn:/i.test(text)) {
    const cut = text.lastIndexOf(':');
    schema = text.slice(0, cut);
    rest = text.slice(cut + 1);
    if (!schema || !rest) throw error(`"${text}" is not an attribute path`);
  }
  const parts = rest.split('.');
  if (parts.length > 2 || !parts.every((part) => ATTRIBUTE_NAME.test(part))) {
    throw error(`"${text}" is not an attribute path`);
  }
  return {
    ...(schema ? { schema } : {}),
    attribute: parts[0],
    ...(parts[1] ? { subAttribute: parts[1] } : {}),
  };
}

class Parser {
  private index = 0;
  private depth = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly length: number,
  ) {}

  /** `inValuePath`: the text inside `[...]`, whose paths name sub-attributes. */
  parse(inValuePath = false): Filter {
    if (this.tokens.length === 0) throw invalid('The filter is empty');
    const filter = this.parseOr(inValuePath);
    const extra = this.peek();
    if (extra) throw invalid(`Unexpected ${describe(extra)} at position ${extra.at + 1}`);
    return filter;
  }

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }

  private next(expected: string): Token {
    const token = this.tokens[this.index++];
    if (!token)
      throw invalid(`Expected ${expected} at the end of the filter (position ${this.length + 1})`);
    return token;
  }

  private keyword(token: Token | undefined, word: string): boolean {
    return token?.type === 'word' && token.value.toLowerCase() === word;
  }

  private enter(at: number) {
    if (++this.depth > MAX_FILTER_DEPTH) {
      throw invalid(`The filter nests deeper than ${MAX_FILTER_DEPTH} levels (position ${at + 1})`);
    }
  }

  // Precedence (RFC 7644 §3.4.2.2): grouping and "not" bind tightest, then "and", then "or".
  private parseOr(inValuePath: boolean): Filter {
    let left = this.parseAnd(inValuePath);
    while (this.keyword(this.peek(), 'or')) {
      this.index++;
      left = { kind: 'or', left, right: this.parseAnd(inValuePath) };
    }
    return left;
  }

  private parseAnd(inValuePath: boolean): Filter {
    let left = this.parseUnary(inValuePath);
    while (this.keyword(this.peek(), 'and')) {
      this.index++;
      left = { kind: 'and', left, right: this.parseUnary(inValuePath) };
    }
    return left;
  }

  private parseUnary(inValuePath: boolean): Filter {
    const token = this.next('an attribute, "not" or "("');
    if (this.keyword(token, 'not')) {
      const open = this.next('"(" after "not"');
      if (open.type !== '(') throw invalid(`Expected "(" after "not" at position ${open.at + 1}`);
      return { kind: 'not', filter: this.parseGroup(open.at, inValuePath) };
    }
    if (token.type === '(') return this.parseGroup(token.at, inValuePath);
    if (token.type !== 'word') {
      throw invalid(
        `Expected an attribute path at position ${token.at + 1}, found ${describe(token)}`,
      );
    }
    const path = parseAttributePath(token.value, (detail) =>
      invalid(`${detail} (position ${token.at + 1})`),
    );
    const following = this.peek();
    if (following?.type === '[') {
      if (inValuePath) throw invalid(`Value filters cannot nest (position ${following.at + 1})`);
      if (path.subAttribute) {
        throw invalid(
          `A value filter applies to a multi-valued attribute, not "${token.value}" (position ${following.at + 1})`,
        );
      }
      this.index++;
      this.enter(following.at);
      const filter = this.parseOr(true);
      this.depth--;
      const close = this.next('"]"');
      if (close.type !== ']')
        throw invalid(`Expected "]" at position ${close.at + 1}, found ${describe(close)}`);
      return { kind: 'valuePath', path, filter };
    }
    const opToken = this.next(`an operator after "${token.value}"`);
    const op = opToken.type === 'word' ? opToken.value.toLowerCase() : '';
    if (op === 'pr') return { kind: 'present', path };
    if (!COMPARE_OPERATORS.includes(op as CompareOperator)) {
      throw invalid(
        `Unknown operator ${describe(opToken)} at position ${opToken.at + 1}; expected one of eq, ne, co, sw, ew, gt, ge, lt, le, pr`,
      );
    }
    const valueToken = this.next(`a value after "${opToken.type === 'word' ? opToken.value : op}"`);
    return { kind: 'compare', path, op: op as CompareOperator, value: this.value(valueToken) };
  }

  private parseGroup(at: number, inValuePath: boolean): Filter {
    this.enter(at);
    const inner = this.parseOr(inValuePath);
    this.depth--;
    const close = this.next('")"');
    if (close.type !== ')')
      throw invalid(`Expected ")" at position ${close.at + 1}, found ${describe(close)}`);
    return inner;
  }

  private value(token: Token): CompareValue {
    if (token.type === 'string') return token.value;
    if (token.type !== 'word')
      throw invalid(`Expected a value at position ${token.at + 1}, found ${describe(token)}`);
    const lower = token.value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    if (lower === 'null') return null;
    if (NUMBER.test(token.value)) return Number(token.value);
    // Lenient: some IdPs send unquoted strings (`externalId eq jyoung`).
    return token.value;
  }
}

function describe(token: Token): string {
  if (token.type === 'string') return `the string ${JSON.stringify(token.value)}`;
  if (token.type === 'word') return `"${token.value}"`;
  return `"${token.type}"`;
}

/**
 * Parses a SCIM filter (RFC 7644 §3.4.2.2): all operators, `and`/`or`/`not` with precedence
 * and grouping, value paths, URN-qualified paths. Lenient where IdPs deviate: any letter case
 * in operators and keywords, unquoted string values. A bad filter is a 400 `invalidFilter`
 * whose detail gives the position.
 */
export function parseFilter(text: string): Filter {
  if (text.includes('\u0000')) throw invalid('The filter contains U+0000');
  if (text.length > MAX_FILTER_LENGTH) {
    throw invalid(`The filter is longer than ${MAX_FILTER_LENGTH} characters`);
  }
  return new Parser(tokenize(text), text.length).parse();
}

/** A PATCH path (RFC 7644 §3.5.2): `attrPath`, or `valuePath` with an optional `.subAttr`. */
export interface PatchPath {
  path: AttributePath;
  filter?: Filter;
  /** The sub-attribute after a value filter: `emails[type eq "work"].value`. */
  subAttribute?: string;
}

export function parsePatchPath(text: string): PatchPath {
  const invalidPath = (detail: string) => ScimError.badRequest('invalidPath', detail);
  const trimmed = text.trim();
  if (!trimmed) throw invalidPath('The path is empty');
  if (trimmed.length > MAX_FILTER_LENGTH) throw invalidPath('The path is too long');
  const open = trimmed.indexOf('[');
  if (open < 0) return { path: parseAttributePath(trimmed, invalidPath) };
  const close = trimmed.lastIndexOf(']');
  if (close < open) throw invalidPath(`"${text}": "[" without "]"`);
  const path = parseAttributePath(trimmed.slice(0, open), invalidPath);
  if (path.subAttribute)
    throw invalidPath(`"${text}": a value filter applies to a multi-valued attribute`);
  let filter: Filter;
  try {
    filter = new Parser(tokenize(trimmed.slice(open + 1, close)), close - open - 1).parse(true);
  } catch (error) {
    if (error instanceof ScimError) throw invalidPath(`"${text}": ${error.detail}`);
    throw error;
  }
  const rest = trimmed.slice(close + 1);
  if (!rest) return { path, filter };
  if (!/^\.(\$ref|[A-Za-z][A-Za-z0-9_-]*)$/.test(rest))
    throw invalidPath(`"${text}": unexpected "${rest}" after "]"`);
  return { path, filter, subAttribute: rest.slice(1) };
}
