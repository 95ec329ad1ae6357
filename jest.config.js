// Tests run on the embedded database unless DATABASE_URL is set (see test/support/database.ts).
/** @type {import('jest').Config} */
const esmPackages = [
  '@nestjs',
  'file-type',
  'strtok3',
  'token-types',
  '@tokenizer',
  'uint8array-extras',
  '@electric-sql',
  'eta',
  'otpauth',
  '@noble',
];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e.ts'],
  transform: {
    '^.+\\.(t|j|mj|cj)s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2023',
          // Rewrite @cordon/* at transform time, so globalSetup (which ignores moduleNameMapper) resolves them too.
          baseUrl: __dirname,
          paths: {
            '@cordon/migrations': ['./migrations'],
            '@cordon/*': ['./libs/*/src'],
          },
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  moduleNameMapper: {
    '^@cordon/migrations$': '<rootDir>/migrations',
    '^@cordon/(.*)$': '<rootDir>/libs/$1/src',
  },
  // OpenPGP.js loaded as the `cordon` command loads it (apps/cli/src/load-openpgp.ts).
  setupFiles: ['<rootDir>/apps/cli/src/load-openpgp.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  maxWorkers: 2,
};
