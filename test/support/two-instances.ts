import { randomBytes } from 'node:crypto';
import { scimCompany, ScimCompany } from '../factories/company.factory';
import { createTestApp, TestApp } from './test-app';

/**
 * Two instances of one deployment on the test database (PostgreSQL: DATABASE_URL), sharing
 * the admin secret, without webhook senders, and a SCIM company set up through the first;
 * made before the suite's tests and closed after them. Read its fields inside a test.
 */
export function twoInstances(): { one: TestApp; two: TestApp; company: ScimCompany } {
  const instances = {} as { one: TestApp; two: TestApp; company: ScimCompany };
  beforeAll(async () => {
    const env = {
      ADMIN_JWT_SECRET: randomBytes(48).toString('base64url'),
      WEBHOOK_DELIVERY: 'false',
    };
    instances.one = await createTestApp(env);
    instances.two = await createTestApp(env);
    instances.company = await scimCompany(instances.one);
  });
  afterAll(async () => {
    await instances.one?.close();
    await instances.two?.close();
  });
  return instances;
}
