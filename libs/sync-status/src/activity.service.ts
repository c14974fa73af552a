import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CompanyId, rawQuery } from '@app/common';
import { foldCase } from '@app/scim-protocol';
import { ActivityEntryView, ActivityPageView } from './activity.view';
import { ListActivityQuery } from './list-activity.query';

/**
 * The same text as the partial index IX_provisioning_events_activity (migration
 * 1733100000000): every entry but a successful read. SQLite uses a partial index only when the
 * query carries its predicate verbatim.
 */
const ACTIVITY_PREDICATE = `("method" <> 'GET' OR "outcome" <> 'success')`;

/**
 * What the IdP did, newest first: the provisioning log without its successful reads, in the
 * domain's words. Paged by id (UUIDv7, so time order) on the partial index; a time range is
 * turned into id bounds so it narrows the index walk instead of filtering after it.
 */
@Injectable()
export class ActivityService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async list(companyId: CompanyId, query: ListActivityQuery): Promise<ActivityPageView> {
    const limit = query.limit ?? 50;
    const { sql, parameters } = activityStatement(companyId, query, limit + 1);
    const rows = await rawQuery<Record<string, unknown>>(this.dataSource, sql, parameters);
    const items = rows.slice(0, limit).map(activityEntry);
    return { items, nextBefore: rows.length > limit ? items[items.length - 1].id : null };
  }
}

/** The statement of one page (exported for the test that reads its query plan). */
export function activityStatement(
  companyId: CompanyId,
  query: ListActivityQuery,
  limit: number,
): { sql: string; parameters: unknown[] } {
  const parameters: unknown[] = [companyId];
  const where = [`e."companyId" = $1`, ACTIVITY_PREDICATE];
  const bind = (value: unknown) => `$${parameters.push(value)}`;
  if (query.before) where.push(`e."id" < ${bind(query.before)}`);
  if (query.since) where.push(`e."id" >= ${bind(uuidv7Floor(Date.parse(query.since)))}`);
  if (query.until) where.push(`e."id" < ${bind(uuidv7Floor(Date.parse(query.until)))}`);
  if (query.outcome === 'failure') where.push(`e."outcome" IN ('refused', 'failed')`);
  else if (query.outcome) where.push(`e."outcome" = ${bind(query.outcome)}`);
  if (query.email) {
    // Entries name their subject since the Activity view; a Bulk or refused write to an
    // existing user may not, and is found by the user's id.
    const key = bind(foldCase(query.email.trim()));
    where.push(`(e."subjectKey" = ${key} OR (e."subjectKey" IS NULL AND e."resourceType" = 'Users'
        AND e."resourceId" IN (SELECT "id" FROM "scim_users" WHERE "companyId" = $1 AND "userNameKey" = ${key})))`);
  }
  const sql = `SELECT e."id", e."createdAt", e."method", e."resourceType", e."resourceId", e."operation",
              COALESCE(e."subject", u."userName", g."displayName") AS "subject",
              e."outcome", e."status", e."errorDetail", e."requestId", e."durationMs"
         FROM "provisioning_events" e
         LEFT JOIN "scim_users" u ON e."subject" IS NULL AND e."resourceType" = 'Users'
              AND u."companyId" = e."companyId" AND u."id" = e."resourceId"
         LEFT JOIN "scim_groups" g ON e."subject" IS NULL AND e."resourceType" = 'Groups'
              AND g."companyId" = e."companyId" AND g."id" = e."resourceId"
        WHERE ${where.join(' AND ')}
        ORDER BY e."id" DESC
        LIMIT ${bind(limit)}`;
  return { sql, parameters };
}

function activityEntry(row: Record<string, unknown>): ActivityEntryView {
  return {
    id: row.id as string,
    at: new Date(Number(row.createdAt)).toISOString(),
    method: row.method as string,
    resourceType: row.resourceType as string,
    resourceId: (row.resourceId as string | null) ?? null,
    operation: (row.operation as string | null) ?? null,
    subject: (row.subject as string | null) ?? null,
    outcome: row.outcome as ActivityEntryView['outcome'],
    status: Number(row.status),
    errorDetail: (row.errorDetail as string | null) ?? null,
    requestId: (row.requestId as string | null) ?? null,
    durationMs: Number(row.durationMs),
  };
}

/** The smallest UUIDv7 of a millisecond: ids at or after `ms` sort at or after it. */
export function uuidv7Floor(ms: number): string {
  const hex = Math.max(0, Math.min(ms, 2 ** 48 - 1))
    .toString(16)
    .padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}
