import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { AuditInterceptor } from './audit.interceptor';
import { AUDITED_ACTION, AuditedAction } from './audit-metadata';

/**
 * Marks an admin route whose successful calls go to the audit log under `action`
 * (`scim_token.created`, ...). AuditInterceptor writes the entry after the
 * handler succeeds and before the answer is sent. Without `describe`, the validated body is
 * recorded as details (admin DTOs are whitelisted, and keys that look like secrets are dropped).
 */
export const Audited = (action: string, describe?: AuditedAction['describe']) =>
  applyDecorators(
    SetMetadata(AUDITED_ACTION, { action, describe } satisfies AuditedAction),
    // Route-scoped, so routes without @Audited (all of SCIM) never pass through it.
    UseInterceptors(AuditInterceptor),
  );
