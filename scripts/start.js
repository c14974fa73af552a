// `npm start`: build what is missing (the service, the admin console), then run the service on its embedded default (SQLite).
const { existsSync } = require('node:fs');
const { buildConsoleIfNeeded, buildIfNeeded } = require('./build-if-needed');

// A local .env, if there is one, fills in what the environment does not set.
if (existsSync('.env')) process.loadEnvFile('.env');

buildConsoleIfNeeded();
require(buildIfNeeded('scim-server'));
