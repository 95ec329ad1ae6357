/**
 * For tests that run the built `cordon` program in a child process: running one command, and SQL
 * on its database from the test beside it.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { openDatabase } from '@cordon/persistence';

const root = join(__dirname, '..', '..');
const cordon = join(root, 'bin', 'cordon');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `cordon ARGS` to the end, with `env` over the test's own environment. */
export function runCordon(args: string[], env: Record<string, string>): Run {
  const run = spawnSync(process.execPath, [cordon, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

/**
 * Runs SQL on the database of a data directory: through PostgreSQL when it has one, else by
 * opening the embedded one, which one process opens at a time: only while no `cordon` runs on it.
 */
export async function queryBetweenRuns(
  location: { dataDir: string; databaseUrl?: string },
  sql: string,
  params: unknown[] = [],
): Promise<Record<string, unknown>[]> {
  if (!location.databaseUrl) {
    const db = await openDatabase({ dataDir: location.dataDir, entities: [] });
    try {
      return (await db.dataSource.query(sql, params)) as Record<string, unknown>[];
    } finally {
      await db.close();
    }
  }
  const client = new Client({ connectionString: location.databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}
