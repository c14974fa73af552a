import { BadRequestException, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CompanyId, rawQuery, sqlPlaceholders } from '@app/common';
import { EventSignals } from './event-signals';
import type { EventPageView } from './events.view';
import { platformEventOf, StoredEventRow } from './event-types';

/** A feed query (CONTRACT.md "Platform API"). */
export interface FeedQuery {
  after?: string;
  limit: number;
  types?: string[];
  companyId?: CompanyId;
  /** Seconds to hold the request open until an event newer than `after` commits (≤ 30). */
  wait?: number;
}

export type FeedPage = EventPageView;

interface EventRow extends StoredEventRow {
  position: number | string;
  txid: number | string;
}

const COLUMNS = `"position", "txid", "id", "companyId", "type", "sequence", "occurredAt", "data"`;

/**
 * Two cursors, both opaque to clients:
 * - the platform feed (every company, or one by `companyId=`) walks (txid, position). On
 *   PostgreSQL, concurrent transactions commit out of order: T1 may take position 5, T2
 *   position 6 and commit first. A reader that returned 6 and moved its cursor past it would
 *   never see 5. So it reads only events of transactions older than every transaction still
 *   running (`txid < pg_snapshot_xmin(pg_current_snapshot())`): all of those have finished,
 *   and anything that commits later has a larger txid, so it sorts after the cursor. The cost
 *   is latency while an older write transaction is open, never a lost event.
 * - a company's feed walks its `sequence`, which is allocated under the company's counter lock
 *   held to the commit: within a company, commit order and sequence order are the same and
 *   gapless, so no horizon is needed.
 * On SQLite there is one writer: position order is commit order, and txid is always 0.
 */
@Injectable()
export class EventFeedService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly signals: EventSignals,
  ) {}

  /** The platform feed: every company's events (or one company's), by commit. */
  platform(query: FeedQuery, aborted?: () => boolean): Promise<FeedPage> {
    const after = decodePlatformCursor(query.after);
    return this.held(query, aborted, async () => {
      const postgres = this.dataSource.options.type === 'postgres';
      const parameters: unknown[] = [after.txid, after.position];
      const where = [
        postgres
          ? `("txid", "position") > ($1, $2) AND "txid" < pg_snapshot_xmin(pg_current_snapshot())::text::bigint`
          : `"txid" = 0 AND "position" > $2 AND $1 = $1`,
      ];
      if (query.companyId) {
        parameters.push(query.companyId);
        where.push(`"companyId" = $${parameters.length}`);
      }
      this.typeFilter(query.types, parameters, where);
      parameters.push(query.limit);
      const rows = await rawQuery<EventRow>(
        this.dataSource,
        `SELECT ${COLUMNS} FROM "events" WHERE ${where.join(' AND ')}
          ORDER BY ${postgres ? '"txid", ' : ''}"position" LIMIT $${parameters.length}`,
        parameters,
      );
      const last = rows[rows.length - 1];
      return {
        data: rows.map(platformEventOf),
        nextCursor: last
          ? encode(`p.${last.txid}.${last.position}`)
          : encode(`p.${after.txid}.${after.position}`),
      };
    });
  }

  /** One company's feed, by its sequence. */
  company(companyId: CompanyId, query: FeedQuery, aborted?: () => boolean): Promise<FeedPage> {
    const after = decodeCompanyCursor(query.after);
    return this.held(query, aborted, async () => {
      const parameters: unknown[] = [companyId, after];
      const where = [`"companyId" = $1`, `"sequence" > $2`];
      this.typeFilter(query.types, parameters, where);
      parameters.push(query.limit);
      const rows = await rawQuery<EventRow>(
        this.dataSource,
        `SELECT ${COLUMNS} FROM "events" WHERE ${where.join(' AND ')}
          ORDER BY "sequence" LIMIT $${parameters.length}`,
        parameters,
      );
      const last = rows[rows.length - 1];
      return {
        data: rows.map(platformEventOf),
        nextCursor: encode(`c.${last ? last.sequence : after}`),
      };
    });
  }

  /**
   * Reads a page; with `wait`, when it is empty, reads again at each commit signal until one
   * is not or the wait is over. On PostgreSQL it also reads every 200 ms while waiting: a
   * signalled event can sit behind the horizon of an older open transaction for a moment.
   */
  private async held(
    query: FeedQuery,
    aborted: (() => boolean) | undefined,
    read: () => Promise<FeedPage>,
  ): Promise<FeedPage> {
    const deadline = Date.now() + (query.wait ?? 0) * 1000;
    const recheck = this.dataSource.options.type === 'postgres' ? 200 : 5000;
    for (;;) {
      const page = await read();
      const left = deadline - Date.now();
      if (page.data.length > 0 || left <= 0 || aborted?.() || this.signals.isClosed) return page;
      await this.signals.next(Math.min(left, recheck));
    }
  }

  private typeFilter(types: string[] | undefined, parameters: unknown[], where: string[]): void {
    if (!types?.length) return;
    where.push(`"type" IN (${sqlPlaceholders(types.length, parameters.length + 1)})`);
    parameters.push(...types);
  }
}

function encode(cursor: string): string {
  return Buffer.from(cursor, 'utf8').toString('base64url');
}

function decoded(cursor: string, kind: 'p' | 'c'): string[] {
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('.');
  if (parts[0] !== kind || parts.slice(1).some((part) => !/^\d{1,19}$/.test(part))) {
    throw new BadRequestException([`after is not a cursor of this feed`]);
  }
  return parts.slice(1);
}

function decodePlatformCursor(cursor: string | undefined): { txid: string; position: string } {
  if (!cursor) return { txid: '0', position: '0' };
  const parts = decoded(cursor, 'p');
  if (parts.length !== 2) throw new BadRequestException([`after is not a cursor of this feed`]);
  return { txid: parts[0], position: parts[1] };
}

function decodeCompanyCursor(cursor: string | undefined): string {
  if (!cursor) return '0';
  const parts = decoded(cursor, 'c');
  if (parts.length !== 1) throw new BadRequestException([`after is not a cursor of this feed`]);
  return parts[0];
}
