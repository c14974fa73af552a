import {
  BadRequestException,
  ConflictException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, SelectQueryBuilder } from 'typeorm';
import { v7 as uuidv7, validate as isUuid } from 'uuid';
import {
  Actor,
  causeOf,
  CompanyId,
  requireOwnerToTouchOwners,
  sqlBoolean,
  transactionWithCause,
} from '@app/common';
import { MemberEntity } from '@app/directory';
import { recordMemberChange } from '@app/events';
import { foldCase } from '@app/scim-protocol';
import { DriftContext } from './drift';
import { DriftService } from './drift.service';
import { AddMemberDto, ListMembersQuery, UpdateMemberDto } from './members.dto';
import type { MemberPageView, MemberView } from './reconciliation.view';

/** The members admin API: who may enter, with SCIM drift shown beside each member. */
@Injectable()
export class MemberDirectoryService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly drift: DriftService,
  ) {}

  async list(companyId: CompanyId, filter: ListMembersQuery): Promise<MemberPageView> {
    const context = await this.drift.context(companyId);
    // A drift filter reads the kept reasons: bring them up to date first.
    if (filter.stale !== undefined || filter.staleReason !== undefined)
      await this.drift.settle(companyId, context);
    const query = this.filtered(
      this.drift.query(this.dataSource.manager, companyId, context),
      filter,
    );
    const total = await this.count(companyId, context, filter);
    const limit = filter.limit ?? 50;
    const offset = filter.offset ?? 0;
    // emailKey is unique within a company: it alone orders the pages.
    if (filter.after) query.andWhere('m.emailKey > :after', { after: afterKey(filter.after) });
    const rows = await query
      .orderBy('m.emailKey', 'ASC')
      .offset(filter.after ? 0 : offset)
      .limit(limit + 1)
      .getRawMany();
    const items = rows.slice(0, limit).map(memberView);
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return {
      total,
      limit,
      offset: filter.after ? 0 : offset,
      items,
      nextAfter: last ? Buffer.from(String(last.emailKey)).toString('base64url') : null,
    };
  }

  /**
   * How many members the filter selects. Without a drift filter, counted on the members
   * table alone (an index count): the join and the drift expressions are evaluated for the
   * page's rows only, never for the company.
   */
  private async count(
    companyId: CompanyId,
    context: DriftContext,
    filter: ListMembersQuery,
  ): Promise<number> {
    const drift = filter.stale !== undefined || filter.staleReason !== undefined;
    const query = this.filtered(
      drift
        ? this.drift.query(this.dataSource.manager, companyId, context)
        : this.dataSource
            .getRepository(MemberEntity)
            .createQueryBuilder('m')
            .where('m.companyId = :companyId', { companyId }),
      filter,
    );
    const row = await query.select('COUNT(*)', 'n').orderBy().getRawOne<{ n: string | number }>();
    return Number(row?.n ?? 0);
  }

  private filtered(
    query: SelectQueryBuilder<MemberEntity>,
    filter: ListMembersQuery,
  ): SelectQueryBuilder<MemberEntity> {
    this.drift.applyFilter(query, {
      ...filter,
      email: filter.email ? foldCase(filter.email.trim()) : undefined,
    });
    if (filter.search) {
      // A range on the folded email: the (companyId, emailKey) index, in its order.
      const prefix = foldCase(filter.search.trim());
      query.andWhere('m.emailKey >= :prefix AND m.emailKey < :prefixEnd', {
        prefix,
        prefixEnd: `${prefix}\u{10FFFF}`,
      });
    }
    return query;
  }

  async get(companyId: CompanyId, memberId: string): Promise<MemberView> {
    const context = await this.drift.context(companyId);
    const row = isUuid(memberId)
      ? await this.drift
          .query(this.dataSource.manager, companyId, context)
          .andWhere('m.id = :memberId', { memberId })
          .getRawOne()
      : undefined;
    if (!row) throw new NotFoundException('Member not found');
    return memberView(row);
  }

  async add(companyId: CompanyId, dto: AddMemberDto, actor: Actor) {
    requireOwnerToTouchOwners(actor, dto.role === 'owner');
    const now = new Date();
    const id = uuidv7();
    await transactionWithCause(this.dataSource, causeOf(actor), async (manager) => {
      const inserted = await manager
        .createQueryBuilder()
        .insert()
        .into(MemberEntity)
        .values({
          id,
          companyId,
          email: dto.email,
          emailKey: foldCase(dto.email),
          role: dto.role,
          status: 'active',
          source: dto.source,
          managed: false,
          scimUserId: null,
          createdAt: now,
          updatedAt: now,
        })
        .orIgnore()
        .execute();
      if (
        !inserted.identifiers.length ||
        !(await manager.getRepository(MemberEntity).findOneBy({ companyId, id }))
      ) {
        throw new ConflictException(`${dto.email} is already a member of this company`);
      }
      recordMemberChange(manager, companyId, null, {
        id,
        email: dto.email,
        role: dto.role,
        status: 'active',
        source: dto.source,
      });
    });
    return this.get(companyId, id);
  }

  /**
   * What an admin or the platform changes outside SCIM. Allowed on a managed member too: it
   * then shows as drift until a reconciliation realigns it with the IdP.
   */
  async update(companyId: CompanyId, memberId: string, dto: UpdateMemberDto, actor: Actor) {
    if (dto.status === undefined && dto.role === undefined) {
      throw new BadRequestException(['give status or role']);
    }
    if (!isUuid(memberId)) throw new NotFoundException('Member not found');
    await transactionWithCause(this.dataSource, causeOf(actor), async (manager) => {
      const repository = manager.getRepository(MemberEntity);
      // PostgreSQL: locked, so the event reports the change from what it really was.
      const member = await repository.findOne({
        where: { companyId, id: memberId },
        ...(manager.connection.options.type === 'postgres'
          ? { lock: { mode: 'pessimistic_write' as const } }
          : {}),
      });
      if (!member) throw new NotFoundException('Member not found');
      // Demoting, suspending or deprovisioning an owner, or making one, is an owner's call.
      requireOwnerToTouchOwners(actor, member.role === 'owner' || dto.role === 'owner');
      await repository.update(
        { companyId, id: memberId },
        {
          ...(dto.status ? { status: dto.status } : {}),
          ...(dto.role ? { role: dto.role } : {}),
          updatedAt: new Date(),
        },
      );
      recordMemberChange(manager, companyId, member, {
        ...member,
        status: dto.status ?? member.status,
        role: dto.role ?? member.role,
      });
    });
    return this.get(companyId, memberId);
  }
}

/** The email key a `nextAfter` stands for; a cursor that is not one is a 400. */
function afterKey(after: string): string {
  const key = Buffer.from(after, 'base64url').toString('utf8');
  if (!key || Buffer.from(key).toString('base64url') !== after)
    throw new BadRequestException(['after must be the nextAfter of a previous page']);
  return key;
}

function memberView(row: Record<string, unknown>): MemberView {
  return {
    id: row.id as string,
    email: row.email as string,
    role: row.role as MemberView['role'],
    status: row.status as MemberView['status'],
    source: row.source as MemberView['source'],
    managed: sqlBoolean(row.managed),
    scimUserId: (row.scimUserId as string | null) ?? null,
    stale: row.staleReason !== null && row.staleReason !== undefined,
    staleReason: (row.staleReason as MemberView['staleReason']) ?? null,
    createdAt: new Date(Number(row.createdAt)).toISOString(),
    updatedAt: new Date(Number(row.updatedAt)).toISOString(),
  };
}
