import { SCIM_ERROR_SCHEMA } from './schema-urns';

/** The `scimType` keywords of RFC 7644 §3.12, Table 9. */
export type ScimErrorType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive'
  // RFC 9865 (cursor pagination)
  | 'invalidCursor'
  | 'expiredCursor';

export interface ScimErrorBody {
  schemas: [typeof SCIM_ERROR_SCHEMA];
  status: string;
  scimType?: ScimErrorType;
  detail?: string;
}

/** An error a SCIM client sees as an RFC 7644 §3.12 body. */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: ScimErrorType,
  ) {
    super(detail);
    this.name = 'ScimError';
  }

  toBody(): ScimErrorBody {
    return scimErrorBody(this.status, this.detail, this.scimType);
  }

  static badRequest(scimType: ScimErrorType, detail: string): ScimError {
    return new ScimError(400, detail, scimType);
  }

  static notFound(detail: string): ScimError {
    return new ScimError(404, detail);
  }

  static conflict(detail: string): ScimError {
    return new ScimError(409, detail, 'uniqueness');
  }
}

/** `status` is a string in SCIM error bodies (RFC 7644 §3.12). */
export function scimErrorBody(
  status: number,
  detail: string,
  scimType?: ScimErrorType,
): ScimErrorBody {
  return {
    schemas: [SCIM_ERROR_SCHEMA],
    status: String(status),
    ...(scimType ? { scimType } : {}),
    detail,
  };
}
