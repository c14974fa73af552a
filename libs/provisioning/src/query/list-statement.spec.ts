import { ListStatement } from './list-statement';
import { postgresDialect, sqliteDialect } from './sql-dialect';

const statement = (dialect = postgresDialect) =>
  new ListStatement(dialect, '"scim_users" u', ['u.id AS "id"'], 'u."companyId" = :companyId', 'c1')
    .where(
      `u.id IN (SELECT e."userId" FROM "scim_user_emails" e WHERE e."companyId" = :companyId AND e."valueKey" = :f0)`,
    )
    .where(`(CAST(u."searchDocument" AS jsonb) -> 'emails') = '[]'::jsonb AND u.x <> 'urn:a:f0'`)
    .bind({ f0: 'ada@example.com' })
    .orderBy('u.id ASC');

describe('ListStatement', () => {
  it('numbers each PostgreSQL parameter once, binds the offset, and leaves casts and literals alone', () => {
    const [sql, parameters] = statement().select(100, 200);
    expect(sql).toBe(
      `SELECT u.id AS "id" FROM "scim_users" u WHERE u."companyId" = $1 AND (u.id IN (SELECT e."userId" FROM "scim_user_emails" e WHERE e."companyId" = $1 AND e."valueKey" = $2)) AND ((CAST(u."searchDocument" AS jsonb) -> 'emails') = '[]'::jsonb AND u.x <> 'urn:a:f0') ORDER BY u.id ASC LIMIT 100 OFFSET $3`,
    );
    expect(parameters).toEqual(['c1', 'ada@example.com', 200]);
  });

  it('gives SQLite one placeholder per occurrence and the window as integers', () => {
    const [sql, parameters] = statement(sqliteDialect).select(10);
    expect(sql.match(/\?/g)).toHaveLength(3);
    expect(sql).toMatch(/ORDER BY u\.id ASC LIMIT 10 OFFSET 0$/);
    expect(parameters).toEqual(['c1', 'c1', 'ada@example.com']);
  });

  it('counts what the conditions match, without the order, and a copy is changed apart', () => {
    const original = statement();
    const copy = original.copy();
    original.where('u.id > :seekId', { seekId: 'x' });
    const [sql, parameters] = copy.count();
    expect(sql).not.toMatch(/seekId|ORDER BY|\$3/);
    expect(sql).toMatch(/^SELECT COUNT\(\*\) AS "n" FROM "scim_users" u WHERE /);
    expect(parameters).toEqual(['c1', 'ada@example.com']);
    expect(original.count()[1]).toEqual(['c1', 'ada@example.com', 'x']);
  });
});
