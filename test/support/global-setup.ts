import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openDatabase } from '@cordon/persistence';
import { adminQuery, realPostgresUrl, TEMPLATE_ENV, withDatabaseName } from './database';
import globalTeardown from './global-teardown';
import { root, run } from './service';

/**
 * Builds the migrated template every test file copies its database from, and compiles the app
 * when its sources changed since the last build (tests that run the `cordon` command as a child
 * process run what this checkout holds). `npm ci` has just built it in CI (the prepare script):
 * building it again for each of CI's two test runs took a minute of a 2-CPU machine for nothing.
 * The build runs beside the template's creation rather than before it.
 */
export default async function globalSetup(): Promise<void> {
  // CORDON_TEST_SKIP_BUILD=1 skips it, for a run of tests that do not start the `cordon` command
  // (several such runs at once would otherwise rebuild dist/ under each other).
  const built = process.env.CORDON_TEST_SKIP_BUILD === '1' ? Promise.resolve() : buildIfChanged();
  const [build, template] = await Promise.allSettled([built, makeTemplate()]);
  if (template.status === 'rejected') throw template.reason;
  if (build.status === 'rejected') {
    await globalTeardown(); // no test runs: the template goes now
    throw build.reason;
  }
}

/** `node scripts/build.js --if-changed`, as `npm start` runs it; rejects with its output when it fails. */
async function buildIfChanged(): Promise<void> {
  const build = await run(process.execPath, [join(root, 'scripts', 'build.js'), '--if-changed'], {
    cwd: root,
    env: process.env,
  });
  if (build.code !== 0) throw new Error(`the build failed:\n${build.stdout}${build.stderr}`);
}

async function makeTemplate(): Promise<void> {
  const pgUrl = realPostgresUrl();
  if (pgUrl) {
    const name = `cordon_template_${process.pid}`;
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await adminQuery(`CREATE DATABASE ${name}`);
    const db = await openDatabase({ databaseUrl: withDatabaseName(pgUrl, name), dataDir: tmpdir(), entities: [] });
    await migrate(db.dataSource);
    await db.close();
    process.env[TEMPLATE_ENV] = name;
    return;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'cordon-template-'));
  const db = await openDatabase({ dataDir, entities: [] });
  await migrate(db.dataSource);
  await db.close();
  process.env[TEMPLATE_ENV] = join(dataDir, 'db');
}
