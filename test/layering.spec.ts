/**
 * The one-way dependencies of docs/architecture.md are enforced by `npm run lint`; these cases prove
 * the rule fails on each kind of wrong arrow (and passes a right one). The probes are written as
 * real files for one ESLint run (its type-aware parser needs them on disk), then removed.
 */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');
const probes = {
  sharedToFeature: [
    'libs/crypto/src/zz-layering-probe.ts',
    "import { Outbox } from '@cordon/delivery';\nexport const o = Outbox;\n",
  ],
  byPath: [
    'libs/membership/src/zz-layering-probe.ts',
    "import { x } from '../../../apps/cordon/src/main';\nimport { y } from '../../crypto/src/key-policy';\nimport express from 'express';\nexport const z = [x, y, express];\n",
  ],
  env: ['apps/cordon/src/web/zz-layering-probe.ts', 'export const port = process.env.PORT;\n'],
  allowed: [
    'apps/cordon/src/relay/zz-layering-probe.ts',
    "import { DomainError } from '@cordon/errors';\nexport const e = DomainError;\n",
  ],
  featureUpward: [
    'libs/maintainers/src/zz-layering-probe.ts',
    "import { Embargoes } from '@cordon/embargo';\nexport const e = Embargoes;\n",
  ],
  roleToRole: [
    'apps/cordon/src/worker/zz-layering-probe.ts',
    "import { RelayModule } from '../relay/relay.module';\nimport { startService } from '../service/compose-service';\nexport const r = [RelayModule, startService];\n",
  ],
  cliToRole: [
    'apps/cordon/src/cli/commands/zz-layering-probe.ts',
    "import { createWebApp } from '../../web/create-web-app';\nexport const w = createWebApp;\n",
  ],
  rootToCli: [
    'apps/cordon/src/service/zz-layering-probe.ts',
    "import { cordonProgram } from '../cli/program';\nexport const p = cordonProgram;\n",
  ],
  cliToRoot: [
    'apps/cordon/src/cli/zz-layering-probe.ts',
    "import { startService } from '../service/compose-service';\nimport { DomainError } from '@cordon/errors';\nexport const s = [startService, DomainError];\n",
  ],
  featureDownward: [
    'libs/embargo/src/zz-layering-probe.ts',
    "import { Bans } from '@cordon/membership';\nimport { Policies } from '@cordon/policy';\nexport const b = [Bans, Policies];\n",
  ],
} as const;

let messages: Record<keyof typeof probes, string[]>;

beforeAll(() => {
  for (const [file, code] of Object.values(probes)) writeFileSync(join(root, file), code);
  try {
    const run = spawnSync(
      process.execPath,
      [join(root, 'node_modules/eslint/bin/eslint.js'), '--format', 'json', ...Object.values(probes).map(([f]) => f)],
      { cwd: root, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
    );
    const results = JSON.parse(run.stdout) as { filePath: string; messages: { ruleId: string; message: string }[] }[];
    messages = Object.fromEntries(
      Object.entries(probes).map(([name, [file]]) => [
        name,
        results.find((r) => r.filePath === join(root, file))!.messages.map((m) => `${m.ruleId}: ${m.message}`),
      ]),
    ) as typeof messages;
  } finally {
    for (const [file] of Object.values(probes)) rmSync(join(root, file), { force: true });
  }
}, 120_000);

describe('layering lint rule', () => {
  it('refuses a shared lib importing a feature lib', () => {
    expect(messages.sharedToFeature.join('\n')).toMatch(/Shared libs stay below the feature libs/);
  });

  it('refuses a lib importing an app or another lib by path, and HTTP in a domain lib', () => {
    const text = messages.byPath.join('\n');
    expect(messages.byPath.filter((m) => m.startsWith('no-restricted-imports'))).toHaveLength(3);
    expect(text).toMatch(/know nothing of HTTP/);
    expect(text).toMatch(/Import a lib as @cordon/);
  });

  it('refuses process.env outside libs/config', () => {
    expect(messages.env.join('\n')).toMatch(/Only libs\/config reads process.env/);
  });

  it('allows an app to use a lib through its index', () => {
    expect(messages.allowed.filter((m) => m.startsWith('no-restricted'))).toEqual([]);
  });

  it('refuses a feature lib importing one above it, in the order delivery < policy < ... < relay', () => {
    expect(messages.featureUpward.join('\n')).toMatch(
      /import only those below them: delivery < policy < maintainers < membership < embargo < reports < relay/,
    );
  });

  it('refuses a role of apps/cordon importing another role or the composition root', () => {
    const refused = messages.roleToRole.filter((m) => m.startsWith('no-restricted-imports'));
    expect(refused).toHaveLength(2);
    for (const message of refused) expect(message).toMatch(/never imports another role or src\/service/);
  });

  it('refuses the CLI importing a role, and the composition root importing the CLI', () => {
    expect(messages.cliToRole.join('\n')).toMatch(/The CLI starts the roles only through src\/service/);
    expect(messages.rootToCli.join('\n')).toMatch(/The composition root never imports the CLI/);
  });

  it('allows the CLI to import the composition root', () => {
    expect(messages.cliToRoot.filter((m) => m.startsWith('no-restricted'))).toEqual([]);
  });

  it('allows a feature lib to import those below it', () => {
    expect(messages.featureDownward.filter((m) => m.startsWith('no-restricted'))).toEqual([]);
  });
});
