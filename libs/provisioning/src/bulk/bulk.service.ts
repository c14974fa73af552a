import { Injectable, Logger } from '@nestjs/common';
import {
  Activity,
  AppConfig,
  CompanyId,
  EventCause,
  OperationOutcome,
  ProvisioningWarning,
} from '@app/common';
import {
  BulkOperation,
  bulkExecutionOrder,
  parseBulkRequest,
  resolveBulkIdReferences,
  SCIM_BULK_RESPONSE_SCHEMA,
  ScimError,
  ScimErrorBody,
  UnresolvedBulkId,
} from '@app/scim-protocol';
import { GroupsService, skippedMemberWarnings } from '../groups/groups.service';
import { etagOf } from '../resource-version';
import { userActivity, UsersService } from '../users/users.service';

/** One entry of a BulkResponse (RFC 7644 §3.7.3); `status` is a string, as in the RFC. */
export interface BulkOperationResult {
  method: string;
  bulkId?: string;
  version?: string;
  location?: string;
  status: string;
  response?: ScimErrorBody;
}

export interface BulkResult {
  body: {
    schemas: [typeof SCIM_BULK_RESPONSE_SCHEMA];
    Operations: BulkOperationResult[];
  };
  /** Each operation as the provisioning log records it. */
  outcomes: OperationOutcome[];
  /** Member ids that group operations skipped, for the provisioning log. */
  warnings: ProvisioningWarning[];
}

/**
 * Runs a Bulk request (RFC 7644 §3.7) through the same services as single requests, so every
 * rule (validation, uniqueness, access follows the IdP) holds unchanged. Each operation is its
 * own transaction, as the RFC has it: a Bulk request is not atomic, and what succeeded stays
 * when a later operation fails.
 */
@Injectable()
export class BulkService {
  private readonly logger = new Logger('Bulk');

  constructor(
    private readonly users: UsersService,
    private readonly groups: GroupsService,
    private readonly config: AppConfig,
  ) {}

  /** Runs a Bulk request; every operation's events name `cause` (the request's token). */
  async run(
    companyId: CompanyId,
    cause: EventCause,
    body: unknown,
    requestId?: string,
  ): Promise<BulkResult> {
    const request = parseBulkRequest(body, this.config.bulkMaxOperations);
    const { order, circular, undefinedReference } = bulkExecutionOrder(request.operations);
    const createdIds = new Map<string, string>();
    const results = new Map<BulkOperation, BulkOperationResult>();
    const outcomes: OperationOutcome[] = [];
    const warnings: ProvisioningWarning[] = [];
    let errors = 0;

    // What each operation did and to whom, for the activity log (as a request alone would say).
    const activities = new Map<BulkOperation, Activity>();
    const record = (operation: BulkOperation, result: BulkOperationResult, detail?: string) => {
      results.set(operation, result);
      const status = Number(result.status);
      if (status >= 400) errors++;
      outcomes.push({
        method: operation.method,
        resourceType: operation.resourceType,
        resourceId: result.location?.split('/').pop() ?? operation.resourceId ?? null,
        status,
        errorDetail: detail ?? null,
        activity: activities.get(operation) ?? subjectOfData(operation),
      });
    };
    const failed = (operation: BulkOperation, error: ScimError) =>
      record(
        operation,
        { ...this.identity(operation), status: String(error.status), response: error.toBody() },
        error.detail,
      );

    // RFC 7644 §3.7.3: stop once failOnErrors errors were seen; the rest is not attempted
    // and not reported.
    const stopped = () => request.failOnErrors !== undefined && errors >= request.failOnErrors;
    for (const operation of order) {
      if (stopped()) break;
      const reference = undefinedReference.get(operation);
      if (reference !== undefined) {
        failed(
          operation,
          ScimError.badRequest(
            'invalidValue',
            `Operations[${operation.index}] refers to bulkId:${reference}, which no POST in this request defines`,
          ),
        );
        continue;
      }
      try {
        record(
          operation,
          await this.execute(companyId, cause, operation, createdIds, warnings, activities),
        );
      } catch (error) {
        failed(operation, this.asScimError(operation, error, requestId));
      }
    }
    for (const operation of circular) {
      if (stopped()) break;
      failed(
        operation,
        new ScimError(
          409,
          `Operations[${operation.index}] is part of (or waits on) a circle of bulkId references that cannot be resolved`,
        ),
      );
    }

    // Answered in request order, whatever order they ran in; skipped ones are left out.
    const answered = request.operations.filter((operation) => results.has(operation));
    return {
      body: {
        schemas: [SCIM_BULK_RESPONSE_SCHEMA],
        Operations: answered.map((operation) => results.get(operation)!),
      },
      outcomes,
      warnings,
    };
  }

  private async execute(
    companyId: CompanyId,
    cause: EventCause,
    operation: BulkOperation,
    createdIds: Map<string, string>,
    warnings: ProvisioningWarning[],
    activities: Map<BulkOperation, Activity>,
  ): Promise<BulkOperationResult> {
    const data = resolveBulkIdReferences(operation.data, createdIds);
    const id =
      operation.resourceId === undefined
        ? undefined
        : resolveBulkIdReferences(operation.resourceId, createdIds);
    const status = operation.method === 'POST' ? 201 : operation.method === 'DELETE' ? 204 : 200;
    let written: { id: string; version: number } | undefined;
    const kind = operation.resourceType === 'Users' ? 'user' : 'group';
    if (operation.method === 'DELETE') {
      const service = operation.resourceType === 'Users' ? this.users : this.groups;
      const subject = await service.delete(companyId, cause, id!, operation.version);
      activities.set(operation, { operation: `${kind}.deleted`, subject });
    } else if (operation.resourceType === 'Users') {
      if (operation.method === 'POST') {
        const user = await this.users.create(companyId, cause, data);
        written = user;
        activities.set(operation, { operation: 'user.created', subject: user.userName });
      } else {
        const write =
          operation.method === 'PUT'
            ? await this.users.replace(companyId, cause, id!, data, operation.version)
            : await this.users.patch(companyId, cause, id!, data, operation.version);
        written = write.user;
        activities.set(operation, userActivity(write));
      }
    } else {
      const { group, skipped } =
        operation.method === 'POST'
          ? await this.groups.create(companyId, cause, data)
          : operation.method === 'PUT'
            ? await this.groups.replace(companyId, cause, id!, data, operation.version)
            : await this.groups.patch(companyId, cause, id!, data, operation.version);
      written = group;
      warnings.push(...skippedMemberWarnings(operation.method, group.id, status, skipped));
      activities.set(operation, {
        operation: operation.method === 'POST' ? 'group.created' : 'group.updated',
        subject: group.displayName,
      });
    }
    if (operation.method === 'POST') createdIds.set(operation.bulkId!, written!.id);
    const resourceId = written?.id ?? id;
    const version = written?.version;
    return {
      method: operation.method,
      ...(operation.bulkId !== undefined ? { bulkId: operation.bulkId } : {}),
      ...(version !== undefined ? { version: etagOf(Number(version)) } : {}),
      location: this.location(operation, resourceId!),
      status: String(status),
    };
  }

  private asScimError(operation: BulkOperation, error: unknown, requestId?: string): ScimError {
    if (error instanceof ScimError) return error;
    // §3.7.2: a reference to an operation that failed cannot be resolved; 409 as for a circle.
    if (error instanceof UnresolvedBulkId) {
      return new ScimError(409, `Operations[${operation.index}]: ${error.message}`);
    }
    this.logger.error(
      `Bulk Operations[${operation.index}] ${operation.method} /${operation.resourceType} failed [request ${requestId}]`,
      error instanceof Error ? error.stack : String(error),
    );
    return new ScimError(500, `Internal server error (request id ${requestId})`);
  }

  /** What identifies an operation in its answer: method, bulkId, and location when known. */
  private identity(
    operation: BulkOperation,
  ): Pick<BulkOperationResult, 'method' | 'bulkId' | 'location'> {
    const known = operation.resourceId !== undefined && !operation.resourceId.startsWith('bulkId:');
    return {
      method: operation.method,
      ...(operation.bulkId !== undefined ? { bulkId: operation.bulkId } : {}),
      ...(known ? { location: this.location(operation, operation.resourceId!) } : {}),
    };
  }

  private location(operation: BulkOperation, id: string): string {
    return `${this.config.scimEndpointUrl}/${operation.resourceType}/${encodeURIComponent(id)}`;
  }
}

/** Whom a failed operation concerned, from its data (a refused POST still names someone). */
function subjectOfData(operation: BulkOperation): Activity | undefined {
  const data = operation.data as Record<string, unknown> | undefined;
  const value = data?.[operation.resourceType === 'Users' ? 'userName' : 'displayName'];
  return typeof value === 'string' && value.trim() !== '' ? { subject: value.trim() } : undefined;
}
