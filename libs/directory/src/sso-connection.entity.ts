import { Column, Entity, PrimaryColumn } from 'typeorm';
import { CompanyId, TimestampColumn } from '@app/common';

export type SsoProtocol = 'saml' | 'oidc' | 'entra';

/**
 * A company's SSO connection as the platform configured it, and its SCIM switch. This
 * service records the connection; signing people in is the platform's job.
 */
@Entity('sso_connections')
export class SsoConnectionEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  companyId: CompanyId;

  @Column({ type: 'varchar', length: 16 })
  protocol: SsoProtocol;

  /** SAML: the IdP entity id. */
  @Column({ type: 'varchar', length: 2048, nullable: true })
  entityId: string | null;

  /** SAML: the IdP's single sign-on URL. */
  @Column({ type: 'varchar', length: 2048, nullable: true })
  ssoUrl: string | null;

  /** OIDC / Entra: the issuer URL. */
  @Column({ type: 'varchar', length: 2048, nullable: true })
  issuer: string | null;

  /** OIDC / Entra: the client id registered at the IdP. */
  @Column({ type: 'varchar', length: 512, nullable: true })
  clientId: string | null;

  @Column({ type: 'boolean', default: false })
  scimEnabled: boolean;

  @TimestampColumn()
  createdAt: Date;

  @TimestampColumn()
  updatedAt: Date;

  /** The admin (`sub`) who last changed the connection. */
  @Column({ type: 'varchar', length: 255 })
  updatedBy: string;
}
