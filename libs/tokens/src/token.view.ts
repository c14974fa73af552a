import { ApiProperty, PickType } from '@nestjs/swagger';
import type { TokenStatus } from './scim-token.entity';

/** A provisioning token as the admin API shows it: never the secret, not even its hash. */
export class TokenView {
  @ApiProperty({ format: 'uuid' })
  id: string;
  label: string;
  /** The first characters of the secret, to recognise it. */
  prefix: string;
  status: TokenStatus;
  @ApiProperty({ format: 'date-time' })
  createdAt: string;
  createdBy: string;
  @ApiProperty({ format: 'date-time' })
  lastUsedAt: string | null;
  @ApiProperty({ format: 'date-time' })
  expiresAt: string | null;
  @ApiProperty({ format: 'date-time' })
  revokedAt: string | null;
  revokedBy: string | null;
}

/** A new token with its secret, shown in this answer only. */
export class CreatedTokenView extends PickType(TokenView, [
  'id',
  'label',
  'prefix',
  'status',
  'createdAt',
  'expiresAt',
] as const) {
  /** The secret: shown in this answer only, stored as a hash. */
  token: string;
  /** The SCIM base URL to give the IdP with the token. */
  @ApiProperty({ format: 'uri' })
  endpointUrl: string;
}

/** What deleting the SCIM configuration did. */
export class ScimConfigurationDeletedView {
  /** Always false: SCIM is off until it is turned on again (PUT /sso). */
  scimEnabled: boolean;
  @ApiProperty({ type: 'integer' })
  revokedTokens: number;
}
