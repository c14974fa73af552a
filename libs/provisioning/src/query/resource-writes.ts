import { DataSource, EntityManager } from 'typeorm';
import { CompanyId, EventCause, rawQuery, transactionWithCause } from '@app/common';
import { writeAtCommit } from '@app/events';
import { ScimError } from '@app/scim-protocol';
import { isUniqueViolation } from './database';
import { PageAnchors } from './page-anchors';

/**
 * Keeps a company's resource count exact, in the caller's transaction. Call it last: on
 * PostgreSQL the company's count row stays locked until the commit, so every write of the
 * company queues on it; taken at the end, a write waits only for the others' commits, not for
 * their access and member work too. There it is sent with the commit (writeAtCommit): nothing
 * in the transaction reads the count.
 */
export async function adjustResourceCount(
  manager: EntityManager,
  companyId: CompanyId,
  kind: 'users' | 'groups',
  delta: number,
): Promise<void> {
  // One upsert (SQLite >= 3.24 and PostgreSQL share the syntax); `kind` is one of two names.
  const column = kind === 'users' ? '"users"' : '"groups"';
  await writeAtCommit(
    manager,
    `INSERT INTO "scim_resource_counts" ("companyId", "users", "groups") VALUES ($1, $2, $3)
     ON CONFLICT ("companyId") DO UPDATE SET ${column} = "scim_resource_counts".${column} + $4`,
    [companyId, kind === 'users' ? delta : 0, kind === 'groups' ? delta : 0, delta],
  );
}

/** A company's resource count without COUNT(*). */
export async function resourceCount(
  dataSource: DataSource,
  companyId: CompanyId,
  kind: 'users' | 'groups',
): Promise<number> {
  // Read on every unfiltered list request: plain SQL (`kind` is one of two column names).
  const [row] = await rawQuery<Record<typeof kind, number | string>>(
    dataSource,
    `SELECT "${kind}" FROM "scim_resource_counts" WHERE "companyId" = $1`,
    [companyId],
  );
  return Number(row?.[kind] ?? 0);
}

/**
 * One SCIM write: a transaction (its events name `cause`); a unique index that another request filled first becomes
 * 409 uniqueness with `conflict` as its detail; remembered page starts of the company are
 * dropped before and again after (a page read during the write may have remembered old ones).
 */
export async function scimWrite<T>(
  dataSource: DataSource,
  anchors: PageAnchors,
  companyId: CompanyId,
  cause: EventCause,
  conflict: string,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  anchors.invalidate(companyId);
  try {
    return await transactionWithCause(dataSource, cause, work);
  } catch (error) {
    if (isUniqueViolation(error)) throw ScimError.conflict(conflict);
    throw error;
  } finally {
    anchors.invalidate(companyId);
  }
}
