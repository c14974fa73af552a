/**
 * The benchmark's server process: the real service (SQLite in a temporary DATA_DIR, or the
 * PostgreSQL of DATABASE_URL) on one port and a bare NestJS route on another, in one process,
 * so that the ratio to the bare route measures what this service adds. Seeds a company with
 * USERS users (and optionally groups) straight through the same normalisation code the API
 * uses, then prints one JSON line with what the load generator needs.
 */
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { loadConfig, signAdminJwt } from '@app/common';
import { foldCase, normalizeResource, searchDocument, USER_RESOURCE } from '@app/scim-protocol';
import { createApp } from '../apps/scim-server/src/bootstrap';

@Controller()
class BareController {
  @Get('bare')
  bare() {
    return { ok: true };
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

const USERS = Number(process.env.USERS ?? 10_000);
/** Users beyond USERS, in no group: the members the group benchmarks add and remove. */
const SPARE_USERS = 1_000;
const GROUP_SIZES = (process.env.GROUP_SIZES ?? '').split(',').filter(Boolean).map(Number);

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'scim-bench-'));
  const config = loadConfig({
    ...process.env,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'error',
    PORT: process.env.PORT ?? '0',
    // Throughput is measured here, not throttling: no rate limit.
    SCIM_RATE_LIMIT: '0',
    ADMIN_RATE_LIMIT: '0',
  });
  const app = await createApp(config);
  await app.listen(Number(process.env.PORT ?? 3100), '127.0.0.1');
  const bare = await NestFactory.create(BareModule, { logger: ['error'] });
  await bare.listen(Number(process.env.BARE_PORT ?? 3101), '127.0.0.1');

  const base = `http://127.0.0.1:${process.env.PORT ?? 3100}`;
  const companyId = 'bench-co';
  const admin = await signAdminJwt(
    new TextEncoder().encode(config.adminJwtSecret),
    { sub: 'bench', companies: [{ id: companyId, name: 'Bench', role: 'owner' }] },
    86400,
  );
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return response.json() as Promise<Record<string, string>>;
  };
  await call('PUT', `/api/companies/${companyId}/sso`, {
    protocol: 'saml',
    entityId: 'bench',
    ssoUrl: 'https://idp.example.com/sso',
    scimEnabled: true,
  });
  const { token } = await call('POST', `/api/companies/${companyId}/scim/tokens`, {
    label: 'bench',
  });

  const dataSource = app.get(DataSource);
  const started = Date.now();
  const all = await seedUsers(dataSource, companyId, USERS + SPARE_USERS);
  const ids = all.slice(0, USERS);
  const groups: Record<string, string> = {};
  for (const size of GROUP_SIZES)
    groups[size] = await seedGroup(dataSource, companyId, `Group of ${size}`, ids.slice(0, size));
  await dataSource.query(
    `UPDATE "scim_resource_counts" SET "groups" = ${GROUP_SIZES.length} WHERE "companyId" = 'bench-co'`,
  );
  const seedSeconds = (Date.now() - started) / 1000;

  process.stdout.write(
    `${JSON.stringify({ ready: true, token, users: USERS, sampleIds: ids.filter((_, i) => i % Math.max(1, Math.floor(USERS / 1000)) === 0), groups, spareIds: all.slice(USERS), seedSeconds, engine: config.database.type })}\n`,
  );
}

async function seedUsers(
  dataSource: DataSource,
  companyId: string,
  count: number,
): Promise<string[]> {
  const ids: string[] = [];
  const now = Date.now();
  for (let start = 0; start < count; start += 500) {
    const users: Record<string, unknown>[] = [];
    const emails: Record<string, unknown>[] = [];
    const members: Record<string, unknown>[] = [];
    for (let i = start; i < Math.min(count, start + 500); i++) {
      const id = uuidv7();
      ids.push(id);
      const userName = `user${i}@bench.example.com`;
      const { active: _active, ...document } = normalizeResource(
        {
          userName,
          name: { givenName: `Given${i}`, familyName: `Family${i % 997}` },
          displayName: `Given${i} Family${i % 997}`,
          emails: [{ value: userName, type: 'work', primary: true }],
          active: true,
        },
        USER_RESOURCE,
      );
      users.push({
        id,
        companyId,
        userName,
        userNameKey: foldCase(userName),
        externalId: `ext-${i}`,
        displayNameKey: foldCase(document.displayName as string),
        active: true,
        linkEmailKey: foldCase(userName),
        document,
        searchDocument: JSON.stringify(searchDocument(document, USER_RESOURCE)),
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
        status: 'active',
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
  await dataSource.query(
    dataSource.options.type === 'postgres'
      ? `INSERT INTO "scim_resource_counts" ("companyId", "users", "groups") VALUES ($1, $2, 0) ON CONFLICT ("companyId") DO UPDATE SET "users" = $2`
      : `INSERT OR REPLACE INTO "scim_resource_counts" ("companyId", "users", "groups") VALUES (?, ?, 0)`,
    [companyId, count],
  );
  return ids;
}

async function seedGroup(
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

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
