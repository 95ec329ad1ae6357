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
// `npm run test:unit` (CORDON_UNIT=1): the unit tests beside the code, without the ones that need
// GnuPG as a peer; no end-to-end test, no browser, no build. `npm test` runs everything.
const unitOnly = process.env.CORDON_UNIT === '1';
const needGnupg = [
  'libs/crypto/src/encrypt.spec.ts',
  'libs/crypto/src/key-policy.spec.ts',
  'libs/crypto/src/list-key.spec.ts',
  'libs/delivery/src/compose-encrypted-mail.spec.ts',
  'libs/relay/src/fan-out/armor.spec.ts',
  'libs/relay/src/open/peers.spec.ts',
];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
  testMatch: unitOnly ? ['**/*.spec.ts'] : ['**/*.spec.ts', '**/*.e2e.ts'],
  testPathIgnorePatterns: ['/node_modules/', ...(unitOnly ? needGnupg.map((file) => `<rootDir>/${file}`) : [])],
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
  // OpenPGP.js loaded as the `cordon` command loads it (apps/cordon/src/load-openpgp.ts).
  setupFiles: ['<rootDir>/apps/cordon/src/load-openpgp.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  maxWorkers: 2,
  // A worker keeps what every test file it ran loaded (tens of MB each: Nest, TypeORM, PGlite,
  // OpenPGP.js in a fresh module registry per file), and near its heap limit spends its time in
  // garbage collection (a whole run in one process ran out of memory after 114 files): a worker
  // past this after a file is replaced by a new one.
  workerIdleMemoryLimit: '1GB',
};
