// `npm run openapi`: build the service if needed, then write its OpenAPI document to
// docs/openapi.json (or the path given), the file a frontend generates its client from.
const { dirname, join, resolve } = require('node:path');
const { buildIfNeeded } = require('./build-if-needed');

const out = resolve(process.argv[2] ?? join(__dirname, '..', 'docs', 'openapi.json'));
const main = buildIfNeeded('scim-server');
require(join(dirname(main), 'openapi', 'write-openapi.js'))
  .writeOpenApiDocument(out)
  .then(() => process.stderr.write(`Wrote ${out}\n`))
  .catch((error) => {
    process.stderr.write(`could not write the OpenAPI document: ${error.message}\n`);
    process.exit(1);
  });
