import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { CompanyId, CompanyRole } from '@app/common';
import { MemberEntity, MemberStatus } from './member.entity';

/** What provisioning tells the directory about one SCIM user, inside its transaction. */
export interface ScimUserLink {
  scimUserId: string;
  /** The email that links the user to a member, as sent; null when the user has none. */
  email: string | null;
  /** The same, case-folded. */
  emailKey: string | null;
  active: boolean;
}

/** The role given to people an IdP provisions, until group mappings say otherwise. */
export const DEFAULT_PROVISIONED_ROLE: CompanyRole = 'member';

@Injectable()
export class MembersService {
  /**
   * Makes the company's members follow a SCIM user, in the caller's transaction: the member
   * whose email matches is linked (or created, source `scim`) and managed; its access follows
   * `active`. When the user's email changed, the member of the old email is released.
   */
  async syncScimUser(
    manager: EntityManager,
    companyId: CompanyId,
    link: ScimUserLink,
  ): Promise<void> {
    const members = manager.getRepository(MemberEntity);
    const now = new Date();
    const linked = await members.find({ where: { companyId, scimUserId: link.scimUserId } });
    for (const member of linked) {
      if (member.emailKey !== link.emailKey) {
        // The IdP moved this user to another email: the old membership no longer has an owner.
        await members.update(
          { companyId, id: member.id },
          { scimUserId: null, status: 'deprovisioned', updatedAt: now },
        );
      }
    }
    if (!link.emailKey || !link.email) return;
    const status: MemberStatus = link.active ? 'active' : 'suspended';
    const existing = await members.findOneBy({ companyId, emailKey: link.emailKey });
    if (existing) {
      if (
        existing.scimUserId !== link.scimUserId ||
        existing.status !== status ||
        !existing.managed
      ) {
        await members.update(
          { companyId, id: existing.id },
          { scimUserId: link.scimUserId, managed: true, status, updatedAt: now },
        );
      }
      return;
    }
    await members.insert({
      id: uuidv7(),
      companyId,
      email: link.email,
      emailKey: link.emailKey,
      role: DEFAULT_PROVISIONED_ROLE,
      status,
      source: 'scim',
      managed: true,
      scimUserId: link.scimUserId,
      createdAt: now,
      updatedAt: now,
    });
  }

  /** The SCIM user is deleted: its member loses access in the same transaction. */
  async releaseDeletedScimUser(
    manager: EntityManager,
    companyId: CompanyId,
    scimUserId: string,
  ): Promise<void> {
    await manager
      .getRepository(MemberEntity)
      .update(
        { companyId, scimUserId },
        { scimUserId: null, status: 'deprovisioned', updatedAt: new Date() },
      );
  }
}
