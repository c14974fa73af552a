import { SetMetadata } from '@nestjs/common';

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

/**
 * Marks an admin route whose successful calls go to the audit log under `action`
 * (`scim_token.created`, ...). The audit library's interceptor writes the entry after the
 * handler succeeds and before the answer is sent. Without `describe`, the validated body is
 * recorded as details (admin DTOs are whitelisted, and keys that look like secrets are dropped).
 */
export const Audited = (action: string, describe?: AuditedAction['describe']) =>
  SetMetadata(AUDITED_ACTION, { action, describe } satisfies AuditedAction);
