import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@app/common';
import { createApp } from '../bootstrap';
import { openApiDocument } from './openapi-document';

/** The server URL docs/openapi.json names: the quickstart's local service. */
const LOCAL_URL = 'http://localhost:3000';

/**
 * Writes the OpenAPI document to a file (`npm run openapi` writes docs/openapi.json), so a
 * frontend can generate its client without running the service. Builds the app exactly as
 * it serves, over a throwaway SQLite database, and never starts it.
 */
export async function writeOpenApiDocument(file: string): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'scim-openapi-'));
  try {
    const config = loadConfig({
      NODE_ENV: 'development',
      DATA_DIR: dataDir,
      PUBLIC_URL: LOCAL_URL,
      LOG_LEVEL: 'error',
    });
    const app = await createApp(config);
    try {
      writeFileSync(file, `${JSON.stringify(openApiDocument(app, LOCAL_URL), null, 2)}\n`);
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
