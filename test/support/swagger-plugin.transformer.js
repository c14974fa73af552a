// ts-jest runs the @nestjs/swagger CLI plugin through this adapter, with the options
// `nest build` uses (nest-cli.json), so the tests serve the document the build serves.
const plugin = require('@nestjs/swagger/plugin');
const { options } = require('../../nest-cli.json').compilerOptions.plugins.find(
  (entry) => entry.name === '@nestjs/swagger',
);

module.exports.name = 'nestjs-swagger-transformer';
// ts-jest keys its cache on name and version: a change of options recompiles.
module.exports.version = JSON.stringify(options);
module.exports.factory = (compiler) => plugin.before(options, compiler.program);
