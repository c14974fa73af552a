import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AuditEntry, AuditSink, CompanyId } from '@app/common';
import { AuditEventEntity } from './audit-event.entity';

/** Keys never copied into an audit entry's details, whatever a DTO someday carries. */
const SECRET_KEY =
  /secret|password|passphrase|credential|private.?key|^(access.?|refresh.?|id.?)?token$/i;
const MAX_DETAILS = 4096;

export interface AuditPage {
  items: AuditEventEntity[];
  /** Pass as `before` for the next (older) page; null at the end. */
  nextBefore: string | null;
}

@Injectable()
export class AuditService implements AuditSink {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async record(entry: AuditEntry): Promise<void> {
    const details = withoutSecrets(entry.details ?? {});
    let text = JSON.stringify(details);
    if (text.length > MAX_DETAILS) text = JSON.stringify({ truncated: true });
    await this.dataSource.getRepository(AuditEventEntity).insert({
      id: uuidv7(),
      companyId: entry.companyId,
      action: entry.action.slice(0, 64),
      actorId: entry.actorId.slice(0, 255),
      actorEmail: entry.actorEmail?.slice(0, 320) ?? null,
      targetId: entry.targetId?.slice(0, 64) ?? null,
      details: Object.keys(details).length > 0 ? text : null,
      requestId: entry.requestId ?? null,
      createdAt: new Date(),
    });
  }

  /** Newest first, by keyset on the time-ordered id: flat cost however long the log grows. */
  async list(
    companyId: CompanyId,
    options: { limit: number; before?: string; action?: string },
  ): Promise<AuditPage> {
    const query = this.dataSource
      .getRepository(AuditEventEntity)
      .createQueryBuilder('e')
      .where('e.companyId = :companyId', { companyId })
      .orderBy('e.id', 'DESC')
      .limit(options.limit + 1);
    if (options.before) query.andWhere('e.id < :before', { before: options.before });
    if (options.action) query.andWhere('e.action = :action', { action: options.action });
    const rows = await query.getMany();
    const items = rows.slice(0, options.limit);
    return {
      items,
      nextBefore: rows.length > options.limit ? items[items.length - 1].id : null,
    };
  }
}

function withoutSecrets(details: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(details).filter(([key, value]) => value !== undefined && !SECRET_KEY.test(key)),
  );
}
