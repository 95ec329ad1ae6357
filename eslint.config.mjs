// typescript-eslint with the type-aware rules docs/architecture.md asks for, plus the one-way dependencies of
// docs/architecture.md (apps -> feature libs -> shared libs) as no-restricted-imports, so a wrong arrow fails lint.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The feature libs in the order of the domain, lowest first (docs/architecture.md, Layout): each imports only
// those before it, so a lower lib never reaches up (it is called, or registers what it needs from above).
const featureLibs = ['delivery', 'policy', 'maintainers', 'membership', 'embargo', 'reports', 'relay'];
const featureOrder = `Feature libs import only those below them: ${featureLibs.join(' < ')} (docs/architecture.md, Layout).`;
// The libs that speak SMTP by nature (they parse and send mail), but still never HTTP.
const smtpLibs = ['relay', 'delivery'];
const sharedLibs = ['errors', 'config', 'persistence', 'crypto', 'audit'];
const http = [
  'express',
  'express-session',
  '@nestjs/platform-express',
  'helmet',
  'csrf-sync',
  'smtp-server',
  'supertest',
];

// Every lib is reached only through its index, as @cordon/<name>; never by a path into its folder.
const intoAnotherFolder = {
  group: ['**/libs/**', '**/apps/**', '@cordon/*/**', '../../*/src/**', '../../../*/src/**', '../../../../*/src/**'],
  message: 'Import a lib as @cordon/<name> (its src/index.ts); libs never import apps.',
};
const restrict = (...patterns) => ['error', { patterns: [intoAnotherFolder, ...patterns] }];

// The folders of apps/cordon (docs/architecture.md, Layout) and the folders each may not import: a role (web,
// relay, worker, cli) never imports another role, nor the composition root (service) that builds and starts them;
// the CLI reaches the roles only through that root, and the root never imports the CLI (`cordon serve` hands in
// what it needs), so no two folders import each other.
const roleMessage =
  'A role of apps/cordon never imports another role or src/service, the composition root (docs/architecture.md, Layout).';
const appFolders = {
  web: { forbidden: ['relay', 'worker', 'cli', 'service'], message: roleMessage },
  relay: { forbidden: ['web', 'worker', 'cli', 'service'], message: roleMessage },
  worker: { forbidden: ['web', 'relay', 'cli', 'service'], message: roleMessage },
  cli: {
    forbidden: ['web', 'relay', 'worker'],
    message: 'The CLI starts the roles only through src/service, the composition root (docs/architecture.md, Layout).',
  },
  service: {
    forbidden: ['cli'],
    message: 'The composition root never imports the CLI: `cordon serve` hands in what it needs.',
  },
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'data/**',
      'coverage/**',
      'test/artifacts/**',
      '**/*.cjs',
      '**/*.mjs',
      '**/*.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false, attributes: false } },
      ],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': restrict(),
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Only libs/config reads process.env.' },
        { object: 'Math', property: 'random', message: 'Secrets come from crypto.randomBytes / randomUUID.' },
      ],
    },
  },
  {
    files: ['libs/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        { group: http, message: 'docs/architecture.md: the domain libs know nothing of HTTP or SMTP.' },
        { group: ['@cordon/runtime'], message: 'Only apps wire the runtime; libs never import it.' },
      ),
    },
  },
  ...featureLibs.map((lib, rank) => ({
    files: [`libs/${lib}/**/*.ts`],
    rules: {
      'no-restricted-imports': restrict(
        smtpLibs.includes(lib)
          ? { group: http.filter((m) => m !== 'smtp-server'), message: 'No HTTP in libs.' }
          : { group: http, message: 'docs/architecture.md: the domain libs know nothing of HTTP or SMTP.' },
        { group: ['@cordon/runtime'], message: 'Only apps wire the runtime; libs never import it.' },
        ...(rank + 1 < featureLibs.length
          ? [{ group: featureLibs.slice(rank + 1).map((higher) => `@cordon/${higher}`), message: featureOrder }]
          : []),
      ),
    },
  })),
  {
    files: sharedLibs.map((lib) => `libs/${lib}/**/*.ts`),
    rules: {
      'no-restricted-imports': restrict(
        { group: featureLibs.map((lib) => `@cordon/${lib}`), message: 'Shared libs stay below the feature libs.' },
        { group: http, message: 'docs/architecture.md: the domain libs know nothing of HTTP or SMTP.' },
      ),
    },
  },
  ...Object.entries(appFolders).map(([folder, { forbidden, message }]) => ({
    files: [`apps/cordon/src/${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': restrict({ group: forbidden.map((other) => `**/${other}/**`), message }),
    },
  })),
  {
    files: ['libs/config/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', '**/*.spec.ts', '**/*.e2e.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['test/**/*.ts', '**/*.spec.ts', '**/*.e2e.ts', 'bench/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
