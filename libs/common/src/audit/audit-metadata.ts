import { CompanyId } from '../tenancy/company-id';

/** What an admin action changed, as the audit log keeps it: never a secret. */
export interface AuditDescription {
  targetId?: string | null;
  details?: Record<string, unknown>;
}

/** The handler's route parameters, validated body and answer, to describe an action from. */
export interface AuditInput {
  params: Record<string, string>;
  body: Record<string, unknown> | undefined;
  result: unknown;
}

export interface AuditedAction {
  action: string;
  describe?: (input: AuditInput) => AuditDescription;
}

export const AUDITED_ACTION = Symbol('auditedAction');

/** What the audit interceptor writes to; the audit library provides it (globally). */
export const AUDIT_SINK = Symbol('auditSink');

/** One admin action to record. */
export interface AuditEntry {
  companyId: CompanyId;
  action: string;
  actorId: string;
  actorEmail?: string | null;
  targetId?: string | null;
  details?: Record<string, unknown>;
  requestId?: string | null;
}

export interface AuditSink {
  record(entry: AuditEntry): Promise<void>;
}
