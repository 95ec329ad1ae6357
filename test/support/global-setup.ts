import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openDatabase } from '@cordon/persistence';
import { adminQuery, realPostgresUrl, TEMPLATE_ENV, withDatabaseName } from './database';

/**
 * Builds the migrated template every test file copies its database from, and compiles the app
 * once (tests that run the `cordon` command as a child process run what this checkout holds).
 */
export default async function globalSetup(): Promise<void> {
  // CORDON_TEST_SKIP_BUILD=1 skips it, for a run of tests that do not start the `cordon` command
  // (several such runs at once would otherwise rebuild dist/ under each other).
  if (process.env.CORDON_TEST_SKIP_BUILD !== '1') {
    const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: join(__dirname, '..', '..'), encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
  }
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
