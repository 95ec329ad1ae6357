import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Client } from 'pg';
import { DataSource, EntitySchema, MixedList } from 'typeorm';
import { migrations } from '@cordon/migrations';
import { DataDirLock } from './data-dir-lock';
import { ProcessRegistry } from './process-registry';

export interface DatabaseOptions {
  /** Unset: the embedded PGlite database under `dataDir/db`. */
  databaseUrl?: string;
  dataDir: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
}

/** A DataSource plus whatever must be released with it (the PGlite instance and its lock). */
export interface Database {
  dataSource: DataSource;
  embedded: boolean;
  /** This process's row among those that hold leases on queue work (ProcessRegistry); closed with the database. */
  processes: ProcessRegistry;
  /**
   * A new connection of its own, outside the DataSource's pool, not yet connected: for LISTEN
   * (QueueWakeups), which holds one for as long as the process runs. PostgreSQL only: the embedded
   * database has one connection, and one process that wakes its loops directly.
   */
  newClient?: () => Client;
  close(): Promise<void>;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    const dataSource = new DataSource({
      type: 'postgres',
      url: options.databaseUrl,
      entities: options.entities,
      migrations,
      migrationsTransactionMode: 'each',
      connectTimeoutMS: 10_000,
      extra: { max: 10 },
    });
    await dataSource.initialize().catch((error: unknown) => {
      throw unreachable(error) ? new DatabaseUnreachableError(options.databaseUrl!, error) : error;
    });
    const url = options.databaseUrl;
    const newClient = () => new Client({ connectionString: url, connectionTimeoutMillis: 10_000, keepAlive: true });
    const processes = ProcessRegistry.open(dataSource, { embedded: false });
    const close = async () => {
      await processes.close();
      await dataSource.destroy();
    };
    return { dataSource, embedded: false, newClient, processes, close };
  }
  return openEmbedded(options);
}

/** DATABASE_URL names a server that cannot be reached or logged in to: one line, without the password. */
export class DatabaseUnreachableError extends Error {
  constructor(url: string, cause: unknown) {
    super(
      `Cannot connect to the PostgreSQL server of DATABASE_URL (${withoutPassword(url)}): ${reasonOf(cause)}; ` +
        'check that it runs, and the address, user, password and database name.',
    );
    this.name = 'DatabaseUnreachableError';
  }
}

// Errors of the connection, not of Cordon: a system error (ECONNREFUSED, ENOTFOUND, ETIMEDOUT...),
// or SQLSTATE class 08 (connection), 28 (authorisation), 3D000 (no such database), 57P03 (starting).
const CONNECTION_SQLSTATE = /^(08|28)|^3D000$|^57P03$/;

function unreachable(error: unknown): boolean {
  if (error instanceof AggregateError) return error.errors.some(unreachable);
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') return /^E[A-Z]+$/.test(code) || CONNECTION_SQLSTATE.test(code);
  return typeof message === 'string' && /timeout|Connection terminated/i.test(message);
}

function withoutPassword(url: string): string {
  try {
    const shown = new URL(url);
    shown.password = '';
    return shown.toString();
  } catch {
    return 'unreadable';
  }
}

function reasonOf(error: unknown): string {
  // Node gives one error per address tried (::1 and 127.0.0.1 for localhost), and none of its own.
  if (error instanceof AggregateError && error.errors.length > 0) return reasonOf(error.errors[0]);
  return String((error as { message?: unknown })?.message || (error as { code?: unknown })?.code || error);
}

/**
 * PostgreSQL's buffer cache lives in PGlite's WebAssembly heap, whose pages stay the process's once
 * touched: the default 128 MB of shared_buffers was a third of the process's memory, and 32 MB still
 * cost 17 MiB more than 16 at 5,000 members (the bench's 1 MiB × 5,000). The embedded database is
 * for small lists, whose working set (members, the queue rows of recent posts) fits in far less;
 * what does not is read back from the files, through the operating system's page cache.
 */
const EMBEDDED_SETTINGS = ['shared_buffers=16MB'];

/**
 * V8 compiles PGlite's 9 MB of WebAssembly with its baseline compiler (Liftoff), then compiles each
 * function that runs often again with its optimising one (TurboFan), on background threads, and
 * keeps both. Measured with the bench's 10 KB × 500 on 2 CPUs, that tier-up cost 60-70 MiB of RSS,
 * and the CPU it took from the relay made the queue's work 2-3 times slower while it went on; the
 * baseline code alone is the lean choice. It must be set before PGlite compiles its module, and
 * applies to WebAssembly the process compiles afterwards (PGlite's is the only one on its paths).
 */
function baselineWebAssemblyOnly(): void {
  setFlagsFromString('--liftoff-only');
}

async function openEmbedded(options: DatabaseOptions): Promise<Database> {
  const lock = DataDirLock.acquire(options.dataDir);
  try {
    baselineWebAssemblyOnly();
    // PGlite and its node-postgres adapter are ESM-only; Node loads them from CommonJS with require(esm).
    const { PGlite } = await import('@electric-sql/pglite');
    const { createPgConfig } = await import('@electric-sql/pglite/node-postgres');
    // Start parameters, not the postgresqlconf option: that one replaces the data directory's
    // postgresql.conf (its time zone, date style and locale settings) with what it is given.
    const pglite = await PGlite.create(join(options.dataDir, 'db'), {
      startParams: [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS.flatMap((setting) => ['-c', setting])],
    });
    const dataSource = new DataSource({
      type: 'postgres',
      entities: options.entities,
      migrations,
      migrationsTransactionMode: 'each',
      // One connection, so everything is serialised; a query that waits for it longer than this
      // is a bug (a query outside the transaction that holds it) and must fail loudly.
      extra: { ...createPgConfig(pglite), connectionTimeoutMillis: 60_000 },
    });
    await dataSource.initialize();
    const processes = ProcessRegistry.open(dataSource, { embedded: true });
    return {
      dataSource,
      embedded: true,
      processes,
      close: async () => {
        await processes.close();
        await dataSource.destroy();
        await pglite.close();
        lock.release();
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}

/** Applies pending migrations; returns the names of those applied. */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  return applied.map((m) => m.name);
}
