import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { SsoProtocol } from '../sso-connection.entity';

const HTTPS_URL = { protocols: ['https'], require_protocol: true, require_tld: false };
const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/**
 * PUT /api/companies/:companyId/sso. With `protocol` it (re)configures the connection;
 * without it, it only flips `scimEnabled` on the connection that exists.
 */
export class ConfigureSsoDto {
  @IsOptional()
  @IsIn(['saml', 'oidc', 'entra'], { message: 'protocol must be one of saml, oidc, entra' })
  protocol?: SsoProtocol;

  @ValidateIf((dto: ConfigureSsoDto) => dto.protocol === 'saml')
  @Transform(trim)
  @IsString({ message: 'entityId is required for SAML' })
  @IsNotEmpty({ message: 'entityId is required for SAML' })
  @MaxLength(2048)
  entityId?: string;

  @ValidateIf((dto: ConfigureSsoDto) => dto.protocol === 'saml')
  @Transform(trim)
  @IsUrl(HTTPS_URL, { message: 'ssoUrl must be an https URL' })
  @MaxLength(2048)
  ssoUrl?: string;

  @ValidateIf((dto: ConfigureSsoDto) => dto.protocol === 'oidc' || dto.protocol === 'entra')
  @Transform(trim)
  @IsUrl(HTTPS_URL, { message: 'issuer must be an https URL' })
  @MaxLength(2048)
  issuer?: string;

  @ValidateIf((dto: ConfigureSsoDto) => dto.protocol === 'oidc' || dto.protocol === 'entra')
  @Transform(trim)
  @IsString({ message: 'clientId is required for OIDC and Entra' })
  @IsNotEmpty({ message: 'clientId is required for OIDC and Entra' })
  @MaxLength(512)
  clientId?: string;

  @IsOptional()
  @IsBoolean({ message: 'scimEnabled must be a boolean' })
  scimEnabled?: boolean;
}
