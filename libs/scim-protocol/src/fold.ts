/**
 * Case folding for attributes with `caseExact: false` (RFC 7643 §2.2), done once in code so
 * that SQLite and PostgreSQL give the same answer: neither database's lower() is used (SQLite's
 * folds ASCII only). NFKC first, so compatibility forms compare equal; upper then lower, so
 * that "ß" and "SS" fold alike.
 */
export function foldCase(value: string): string {
  return value.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}
