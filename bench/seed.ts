/**
 * Seeding for the benchmarks: users (with their emails and members) and groups written
 * straight to the database through the same normalisation code the API uses, in batches of
 * 500, far faster than through HTTP; and a company set up through the admin API as an admin
 * would (SSO, SCIM on, a provisioning token).
 */
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { rawQuery } from '@app/common';
import {
  foldCase,
  normalizeResource,
  SCIM_ENTERPRISE_USER_SCHEMA,
  searchDocument,
  USER_RESOURCE,
} from '@app/scim-protocol';
import { indexedAttributeKeys } from '../libs/provisioning/src/users/user-table';

/** SSO configured, SCIM on and one provisioning token, through the admin API; the token. */
export async function setUpScimCompany(
  baseUrl: string,
  adminJwt: string,
  companyId: string,
): Promise<string> {
  const call = async (method: string, path: string, body: unknown) => {
    const response = await fetch(`${baseUrl}/api/companies/${companyId}${path}`, {
      method,
      headers: { Authorization: `Bearer ${adminJwt}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return response.json() as Promise<Record<string, string>>;
  };
  await call('PUT', '/sso', {
    protocol: 'saml',
    entityId: 'bench',
    ssoUrl: 'https://idp.example.com/sso',
    scimEnabled: true,
  });
  return (await call('POST', '/scim/tokens', { label: 'bench' })).token;
}

export async function seedUsers(
  dataSource: DataSource,
  companyId: string,
  count: number,
  options: { userNamePrefix?: string; memberStatus?: 'active' | 'suspended' } = {},
): Promise<string[]> {
  const prefix = options.userNamePrefix ?? 'user';
  const ids: string[] = [];
  const now = Date.now();
  for (let start = 0; start < count; start += 500) {
    const users: Record<string, unknown>[] = [];
    const emails: Record<string, unknown>[] = [];
    const members: Record<string, unknown>[] = [];
    for (let i = start; i < Math.min(count, start + 500); i++) {
      const id = uuidv7();
      ids.push(id);
      const userName = `${prefix}${i}@bench.example.com`;
      const document = normalizeResource(
        {
          userName,
          name: { givenName: `Given${i}`, familyName: `Family${i % 997}` },
          displayName: `Given${i} Family${i % 997}`,
          emails: [{ value: userName, type: 'work', primary: true }],
          active: true,
          [SCIM_ENTERPRISE_USER_SCHEMA]: { department: `Department${i % 50}` },
        },
        USER_RESOURCE,
      );
      const search = searchDocument(document, USER_RESOURCE);
      users.push({
        id,
        companyId,
        userName,
        userNameKey: foldCase(userName),
        externalId: `ext-${i}`,
        displayNameKey: foldCase(document.displayName as string),
        ...indexedAttributeKeys(search),
        active: true,
        linkEmailKey: foldCase(userName),
        document,
        searchDocument: JSON.stringify(search),
        version: 1,
        createdAt: now + i,
        updatedAt: now + i,
      });
      emails.push({
        userId: id,
        position: 0,
        companyId,
        valueKey: foldCase(userName),
        typeKey: 'work',
        displayKey: null,
        primary: true,
      });
      members.push({
        id: uuidv7(),
        companyId,
        email: userName,
        emailKey: foldCase(userName),
        role: 'member',
        status: options.memberStatus ?? 'active',
        source: 'scim',
        managed: true,
        scimUserId: id,
        createdAt: now,
        updatedAt: now,
      });
    }
    await dataSource.transaction(async (manager) => {
      await manager.createQueryBuilder().insert().into('scim_users').values(users).execute();
      await manager.createQueryBuilder().insert().into('scim_user_emails').values(emails).execute();
      await manager.createQueryBuilder().insert().into('members').values(members).execute();
    });
  }
  await rawQuery(
    dataSource,
    `INSERT INTO "scim_resource_counts" ("companyId", "users", "groups") VALUES ($1, $2, 0)
     ON CONFLICT ("companyId") DO UPDATE SET "users" = $2`,
    [companyId, count],
  );
  return ids;
}

export async function seedGroup(
  dataSource: DataSource,
  companyId: string,
  displayName: string,
  memberIds: string[],
): Promise<string> {
  const id = uuidv7();
  const now = Date.now();
  await dataSource
    .createQueryBuilder()
    .insert()
    .into('scim_groups')
    .values({
      id,
      companyId,
      displayName,
      displayNameKey: foldCase(displayName),
      externalId: null,
      document: {},
      searchDocument: JSON.stringify({ displayName: foldCase(displayName) }),
      memberCount: memberIds.length,
      version: 1,
      createdAt: now,
      updatedAt: now,
    })
    .execute();
  for (let i = 0; i < memberIds.length; i += 500) {
    await dataSource
      .createQueryBuilder()
      .insert()
      .into('scim_group_members')
      .values(
        memberIds
          .slice(i, i + 500)
          .map((memberId) => ({ groupId: id, memberId, companyId, display: null })),
      )
      .execute();
  }
  return id;
}
