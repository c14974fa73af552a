// `npm start`: build what is missing, then run the service on its embedded default (SQLite).
const { existsSync } = require('node:fs');
const { buildIfNeeded } = require('./build-if-needed');

// A local .env, if there is one, fills in what the environment does not set.
if (existsSync('.env')) process.loadEnvFile('.env');

require(buildIfNeeded('scim-server'));
