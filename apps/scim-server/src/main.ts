import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { Server } from 'node:http';
import { checkDatabase, ConfigError, loadConfig, StartupError } from '@app/common';
import { createApp } from './bootstrap';

/**
 * Starts the service. What can go wrong at start is said in one line (a bad variable, a
 * database that cannot be reached or does not exist, a port in use), and the process exits 1.
 */
async function main() {
  const config = loadConfig();
  await checkDatabase(config.database, (line) => console.error(line));
  const app = await createApp(config);
  await app.init();
  await listen(app.getHttpServer() as Server, config.port);
  const database =
    config.database.type === 'sqlite' ? `SQLite ${config.database.path}` : 'PostgreSQL';
  new Logger('Bootstrap').log(
    `SCIM provisioning service on ${config.publicUrl} (database: ${database}); SCIM endpoint ${config.scimEndpointUrl}`,
  );
}

/** Listens on the port, or says in one line why it cannot. */
function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why =
        error.code === 'EADDRINUSE'
          ? 'address already in use (another process has it; set PORT to another port)'
          : error.code === 'EACCES'
            ? 'permission denied (ports below 1024 need privileges; set PORT)'
            : error.message;
      reject(new StartupError(`cannot listen on port ${port}: ${why}`));
    });
    server.listen(port, () => resolve());
  });
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`Invalid configuration: ${error.message}`);
  else if (error instanceof StartupError) console.error(error.message);
  else console.error(`could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
