import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { v7 as uuidv7, validate as isUuid } from 'uuid';
import { AUDIT_SINK, AuditSink } from '@app/common';
import { EventSignals } from '../event-signals';
import { PlatformEvent, TEST_EVENT_TYPE } from '../event-types';
import {
  CreateWebhookEndpointDto,
  ListDeliveriesQuery,
  UpdateWebhookEndpointDto,
} from '../events.dto';
import { PLATFORM_AUDIT_SCOPE } from '../platform/platform-keys.service';
import { WebhookAttemptEntity, WebhookEndpointEntity } from './webhook.entities';
import type { AttemptOutcome } from './webhook-sender';
import {
  CreatedWebhookEndpointView,
  DeliveryAttemptView,
  DeliveryPageView,
  RotatedWebhookEndpointView,
  WebhookEndpointView,
} from '../events.view';
import { WebhookTargetRefused } from './webhook-target';
import {
  generateWebhookSecret,
  PREVIOUS_SECRET_TTL_MS,
  signingSecrets,
  WebhookTransport,
} from './webhook-transport';

/** Webhook endpoints through the platform API; every change is audited. */
@Injectable()
export class WebhookEndpointsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transport: WebhookTransport,
    private readonly signals: EventSignals,
    @Inject(AUDIT_SINK) private readonly audit: AuditSink,
  ) {}

  private get endpoints() {
    return this.dataSource.getRepository(WebhookEndpointEntity);
  }

  async list(): Promise<WebhookEndpointView[]> {
    const rows = await this.endpoints.find({ order: { createdAt: 'ASC', id: 'ASC' } });
    return rows.map(endpointView);
  }

  async get(id: string): Promise<WebhookEndpointView> {
    return endpointView(await this.find(id));
  }

  async create(dto: CreateWebhookEndpointDto, actor: string): Promise<CreatedWebhookEndpointView> {
    await this.checkUrl(dto.url);
    const now = new Date();
    const secret = generateWebhookSecret();
    const endpoint: WebhookEndpointEntity = {
      id: uuidv7(),
      url: dto.url,
      description: dto.description ?? null,
      eventTypes: typesColumn(dto.eventTypes),
      companyId: dto.companyId ?? null,
      enabled: true,
      status: 'active',
      statusReason: null,
      secret,
      previousSecret: null,
      previousSecretExpiresAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.endpoints.insert(endpoint);
    await this.record('webhook_endpoint.created', actor, endpoint.id, describe(endpoint));
    // The secret is in this answer only.
    return { ...endpointView(endpoint), secret };
  }

  async update(
    id: string,
    dto: UpdateWebhookEndpointDto,
    actor: string,
  ): Promise<WebhookEndpointView> {
    const endpoint = await this.find(id);
    if (dto.url !== undefined) await this.checkUrl(dto.url);
    const changes: Partial<WebhookEndpointEntity> = { updatedAt: new Date() };
    if (dto.url !== undefined) changes.url = dto.url;
    if (dto.description !== undefined) changes.description = dto.description;
    if (dto.eventTypes !== undefined) changes.eventTypes = typesColumn(dto.eventTypes);
    if (dto.companyId !== undefined) changes.companyId = dto.companyId;
    if (dto.enabled === true) {
      // Re-enabled (also after failing or a 410): its queue resumes where it stopped.
      Object.assign(changes, { enabled: true, status: 'active', statusReason: null });
    } else if (dto.enabled === false) {
      Object.assign(changes, {
        enabled: false,
        status: 'disabled',
        statusReason: 'disabled through the platform API',
      });
    }
    await this.endpoints.update({ id }, changes);
    const updated = { ...endpoint, ...changes };
    await this.record('webhook_endpoint.updated', actor, id, {
      ...Object.fromEntries(Object.entries(dto).filter(([, value]) => value !== undefined)),
    });
    if (dto.enabled === true) this.signals.emit(true); // its queue resumes now
    return endpointView(updated);
  }

  async delete(id: string, actor: string): Promise<void> {
    const endpoint = await this.find(id);
    // Its queue and attempts go with it (ON DELETE CASCADE).
    await this.endpoints.delete({ id });
    await this.record('webhook_endpoint.deleted', actor, id, describe(endpoint));
  }

  /** A new secret, shown once; the old one keeps signing beside it for 24 h. */
  async rotateSecret(id: string, actor: string): Promise<RotatedWebhookEndpointView> {
    const endpoint = await this.withSecrets(id);
    const secret = generateWebhookSecret();
    const now = Date.now();
    await this.endpoints.update(
      { id },
      {
        secret,
        previousSecret: endpoint.secret,
        previousSecretExpiresAt: new Date(now + PREVIOUS_SECRET_TTL_MS),
        updatedAt: new Date(now),
      },
    );
    await this.record('webhook_endpoint.secret_rotated', actor, id, {});
    return {
      ...endpointView({ ...endpoint, updatedAt: new Date(now) }),
      secret,
      previousSecretExpiresAt: new Date(now + PREVIOUS_SECRET_TTL_MS).toISOString(),
    };
  }

  /** Attempts, newest first. */
  async deliveries(id: string, query: ListDeliveriesQuery): Promise<DeliveryPageView> {
    await this.find(id);
    const limit = query.limit ?? 50;
    const builder = this.dataSource
      .getRepository(WebhookAttemptEntity)
      .createQueryBuilder('a')
      .where('a.endpointId = :id', { id })
      .orderBy('a.id', 'DESC')
      .limit(limit + 1);
    if (query.before) builder.andWhere('a.id < :before', { before: query.before });
    if (query.eventId) builder.andWhere('a.eventId = :eventId', { eventId: query.eventId });
    const rows = await builder.getMany();
    const items = rows.slice(0, limit).map(attemptView);
    return { items, nextBefore: rows.length > limit ? items[items.length - 1].id : null };
  }

  /** Sends a `webhook.test` event now (not queued, not in the feed) and answers the attempt. */
  async test(id: string, actor: string): Promise<DeliveryAttemptView> {
    const endpoint = await this.withSecrets(id);
    const event: PlatformEvent = {
      id: uuidv7(),
      type: TEST_EVENT_TYPE,
      companyId: endpoint.companyId,
      occurredAt: new Date().toISOString(),
      sequence: 0,
      data: { endpointId: endpoint.id, actor: { kind: 'platform', keyId: actor } },
    };
    const startedAt = new Date();
    const result = await this.transport.sender.send(
      endpoint.url,
      signingSecrets(
        endpoint.secret,
        endpoint.previousSecret,
        endpoint.previousSecretExpiresAt?.getTime() ?? null,
      ),
      event,
    );
    const attempt: WebhookAttemptEntity = {
      id: uuidv7(),
      endpointId: id,
      eventId: event.id,
      eventType: event.type,
      attempt: 1,
      startedAt,
      durationMs: result.durationMs,
      statusCode: result.statusCode,
      outcome: result.outcome,
      error: result.error,
      responseBody: result.responseBody,
    };
    await this.dataSource.getRepository(WebhookAttemptEntity).insert(attempt);
    return attemptView(attempt);
  }

  private async checkUrl(url: string): Promise<void> {
    try {
      await this.transport.policy.check(url);
    } catch (error) {
      if (error instanceof WebhookTargetRefused) throw new BadRequestException([error.message]);
      throw error;
    }
  }

  private async find(id: string): Promise<WebhookEndpointEntity> {
    const endpoint = isUuid(id) ? await this.endpoints.findOneBy({ id }) : null;
    if (!endpoint) throw new NotFoundException(`No webhook endpoint ${id}`);
    return endpoint;
  }

  private async withSecrets(id: string): Promise<WebhookEndpointEntity> {
    const endpoint = isUuid(id)
      ? await this.endpoints
          .createQueryBuilder('w')
          .addSelect(['w.secret', 'w.previousSecret'])
          .where('w.id = :id', { id })
          .getOne()
      : null;
    if (!endpoint) throw new NotFoundException(`No webhook endpoint ${id}`);
    return endpoint;
  }

  private record(
    action: string,
    actor: string,
    targetId: string,
    details: Record<string, unknown>,
  ) {
    return this.audit.record({
      companyId: PLATFORM_AUDIT_SCOPE,
      action,
      actorId: `platform-key:${actor}`,
      targetId,
      details,
    });
  }
}

function typesColumn(types: string[] | null | undefined): string | null {
  return types?.length ? `,${[...new Set(types)].join(',')},` : null;
}

function describe(endpoint: WebhookEndpointEntity): Record<string, unknown> {
  return {
    url: endpoint.url,
    eventTypes: endpointView(endpoint).eventTypes,
    companyId: endpoint.companyId,
  };
}

export function endpointView(endpoint: WebhookEndpointEntity): WebhookEndpointView {
  return {
    id: endpoint.id,
    url: endpoint.url,
    description: endpoint.description,
    eventTypes: endpoint.eventTypes ? endpoint.eventTypes.split(',').filter(Boolean) : null,
    companyId: endpoint.companyId,
    enabled: Boolean(endpoint.enabled),
    status: endpoint.status,
    statusReason: endpoint.statusReason,
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}

export function attemptView(attempt: WebhookAttemptEntity): DeliveryAttemptView {
  return {
    id: attempt.id,
    eventId: attempt.eventId,
    eventType: attempt.eventType,
    attempt: attempt.attempt,
    outcome: attempt.outcome as AttemptOutcome,
    status: attempt.statusCode,
    durationMs: attempt.durationMs,
    error: attempt.error,
    responseBody: attempt.responseBody,
    startedAt: attempt.startedAt.toISOString(),
  };
}
