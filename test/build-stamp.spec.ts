/**
 * Issue 11, item 6: `npm start` builds only when a source is newer than the last build's start
 * (scripts/build.js --if-changed). Checked on a scratch tree, so that dist/ of this checkout is
 * never rebuilt by a test.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { staleReason } = require('../scripts/build.js') as { staleReason(dir: string): string | undefined };

describe('scripts/build.js --if-changed', () => {
  let tree: string;
  const at = (path: string, seconds: number) => utimesSync(join(tree, path), seconds, seconds);

  beforeEach(() => {
    tree = mkdtempSync(join(tmpdir(), 'cordon-build-'));
    for (const dir of ['apps/cordon/src', 'libs/x/src', 'dist/apps/cordon/src'])
      mkdirSync(join(tree, dir), { recursive: true });
    writeFileSync(join(tree, 'apps/cordon/src/main.ts'), '');
    writeFileSync(join(tree, 'libs/x/src/x.ts'), '');
    writeFileSync(join(tree, 'dist/apps/cordon/src/main.js'), '');
    at('apps/cordon/src/main.ts', 1_000);
    at('libs/x/src/x.ts', 1_000);
  });
  afterEach(() => rmSync(tree, { recursive: true, force: true }));

  it('builds a tree never built', () => {
    expect(staleReason(tree)).toBe('dist/ is not built');
  });

  it('does not build when every source is older than the last build', () => {
    writeFileSync(join(tree, 'dist/.build-stamp'), String(2_000_000));
    expect(staleReason(tree)).toBeUndefined();
  });

  it('builds when a source was saved after the last build started, wherever it is', () => {
    writeFileSync(join(tree, 'dist/.build-stamp'), String(2_000_000));
    at('libs/x/src/x.ts', 3_000);
    expect(staleReason(tree)).toBe('sources changed since the last build');
  });

  it('builds when dist/ lost its compiled entry point', () => {
    writeFileSync(join(tree, 'dist/.build-stamp'), String(2_000_000));
    rmSync(join(tree, 'dist/apps/cordon/src/main.js'));
    expect(staleReason(tree)).toBe('dist/ is not built');
  });
});
