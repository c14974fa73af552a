import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from '@app/common';
import { createApp } from './bootstrap';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Invalid configuration: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const app = await createApp(config);
  await app.listen(config.port);
  const database =
    config.database.type === 'sqlite' ? `SQLite ${config.database.path}` : 'PostgreSQL';
  new Logger('Bootstrap').log(
    `SCIM provisioning service on ${config.publicUrl} (database: ${database}); SCIM endpoint ${config.scimEndpointUrl}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
