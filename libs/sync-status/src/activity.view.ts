import { ApiProperty } from '@nestjs/swagger';

/** One SCIM request (or one operation of a Bulk request) the IdP made, as the log keeps it. */
export class ActivityEntryView {
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty({ format: 'date-time' })
  at: string;
  /** The HTTP method, and the resource type and id of the path. */
  method: string;
  resourceType: string;
  resourceId: string | null;
  /**
   * What it did in the domain's words: `user.created`, `user.updated`, `user.deactivated`,
   * `user.reactivated`, `user.deleted`, `group.created`, `group.updated`, `group.deleted`;
   * null for reads (and for entries older than the field).
   */
  @ApiProperty({ type: 'string', nullable: true, examples: ['user.deactivated'] })
  operation: string | null;
  /** Whom it concerned: the userName or group displayName. */
  subject: string | null;
  outcome: 'success' | 'refused' | 'failed' | 'warning';
  @ApiProperty({ type: 'integer' })
  status: number;
  /** For a refused or failed request, what the service answered (the SCIM error's detail). */
  errorDetail: string | null;
  /** The X-Request-Id of the request: what to quote to support. */
  requestId: string | null;
  @ApiProperty({ type: 'integer' })
  durationMs: number;
}

/** A page of activity, newest first. */
export class ActivityPageView {
  items: ActivityEntryView[];
  /** Pass as `before` for the next page; null on the last. */
  @ApiProperty({ format: 'uuid' })
  nextBefore: string | null;
}
