/**
 * One fresh, migrated database per test file: on the embedded PGlite by default (a copy of a
 * migrated template directory: creating one from scratch takes seconds), on the real PostgreSQL
 * of DATABASE_URL when it is set (a database created from a migrated template database).
 */
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Database, openDatabase } from '@cordon/persistence';
import { allEntities } from './entities';

export const TEMPLATE_ENV = 'CORDON_TEST_TEMPLATE';

export interface TestDatabase {
  database: Database;
  /** DATA_DIR of this test file (holds the embedded database, outbox and secret key). */
  dataDir: string;
  /** DATABASE_URL of this test file, when running on PostgreSQL. */
  databaseUrl?: string;
  /** Closes the DataSource (if still open) and removes the database. */
  drop(): Promise<void>;
}

export function realPostgresUrl(): string | undefined {
  return process.env.DATABASE_URL || undefined;
}

export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: realPostgresUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * A fresh migrated database (not opened) for this test file: its DATA_DIR and DATABASE_URL.
 * `empty`: nothing migrated, an empty DATA_DIR (and database), as a first `npm start` finds it.
 */
export async function freshDatabaseLocation(options: { empty?: boolean } = {}): Promise<{
  dataDir: string;
  databaseUrl?: string;
  remove(): Promise<void>;
}> {
  const template = process.env[TEMPLATE_ENV];
  if (!template) throw new Error('test/support/global-setup.ts did not run');
  const dataDir = mkdtempSync(join(tmpdir(), 'cordon-test-'));
  const pgUrl = realPostgresUrl();
  if (pgUrl) {
    const name = `cordon_t_${randomUUID().replace(/-/g, '')}`;
    await adminQuery(`CREATE DATABASE ${name}${options.empty ? '' : ` TEMPLATE ${template}`}`);
    return {
      dataDir,
      databaseUrl: withDatabaseName(pgUrl, name),
      remove: async () => {
        await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  if (!options.empty) cpSync(template, join(dataDir, 'db'), { recursive: true });
  return { dataDir, remove: async () => rmSync(dataDir, { recursive: true, force: true }) };
}

export async function openTestDatabase(): Promise<TestDatabase> {
  const location = await freshDatabaseLocation();
  const database = await openDatabase({
    databaseUrl: location.databaseUrl,
    dataDir: location.dataDir,
    entities: allEntities,
  });
  return {
    database,
    dataDir: location.dataDir,
    databaseUrl: location.databaseUrl,
    drop: async () => {
      if (database.dataSource.isInitialized) await database.close();
      await location.remove();
    },
  };
}
