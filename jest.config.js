// Two projects: unit tests beside the code, in-process e2e suites under test/ (real database:
// a SQLite file per suite, or the PostgreSQL of DATABASE_URL).
const moduleNameMapper = {
  '^@app/(common|scim-protocol|tokens|provisioning|directory|sync-status|reconciliation|audit|events)$':
    '<rootDir>/libs/$1/src',
};
// The @nestjs/swagger plugin reads the DTOs' types and comments into the OpenAPI document; the
// tests compile with it as `nest build` does.
const transform = {
  '^.+\\.ts$': [
    'ts-jest',
    {
      tsconfig: 'tsconfig.jest.json',
      diagnostics: false,
      astTransformers: {
        before: ['<rootDir>/test/support/swagger-plugin.transformer.js'],
      },
    },
  ],
};

module.exports = {
  testTimeout: 30000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'],
      moduleNameMapper,
      transform,
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      moduleNameMapper,
      transform,
    },
    // The admin console in headless Chromium: `npm run test:browser` (needs Debian's chromium;
    // .ci/run installs it). Kept out of `npm test`, which must pass on a machine without it.
    ...(process.env.BROWSER_TESTS === '1'
      ? [
          {
            displayName: 'browser',
            testEnvironment: 'node',
            rootDir: __dirname,
            testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
            moduleNameMapper,
            transform,
          },
        ]
      : []),
  ],
};
