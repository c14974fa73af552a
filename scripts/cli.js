// `npm run cli -- <command>`: build the operator CLI if needed, then run it.
const { existsSync } = require('node:fs');
const { buildIfNeeded } = require('./build-if-needed');

// A local .env, if there is one, fills in what the environment does not set.
if (existsSync('.env')) process.loadEnvFile('.env');

require(buildIfNeeded('cli'));
