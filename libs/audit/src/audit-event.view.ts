import { ApiProperty } from '@nestjs/swagger';

/** Who did it: the admin JWT's subject, or a platform key. */
export class AuditActorView {
  id: string;
  email: string | null;
}

/** One admin action in the audit log. */
export class AuditEventView {
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty({ examples: ['scim_token.created'] })
  action: string;
  actor: AuditActorView;
  targetId: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true })
  details: Record<string, unknown>;
  requestId: string | null;
  @ApiProperty({ format: 'date-time' })
  at: string;
}

/** A page of the audit log, newest first. */
export class AuditPageView {
  items: AuditEventView[];
  /** Pass as `before` for the next page; null on the last. */
  @ApiProperty({ format: 'uuid' })
  nextBefore: string | null;
}
