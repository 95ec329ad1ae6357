import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadSettings, Settings } from '@cordon/config';
import { Database, openDatabase } from '@cordon/persistence';
import { allEntities, migrateSchema, openRuntime, Runtime } from '@cordon/runtime';
import { CliModule } from './cli.module';

/**
 * A running `cordon serve` on the embedded database runs the commands of a CLI beside it
 * (command-server.ts): they use its runtime, open already, and close nothing.
 */
export interface CommandHost {
  runtime: Runtime;
  context(): Promise<INestApplicationContext>;
}

let host: CommandHost | undefined;

/** Called by `serve`: from now on, commands in this process run on its runtime. */
export function hostCommands(value: CommandHost | undefined): void {
  host = value;
}

/**
 * Opens the runtime for one command, runs it, and closes everything, so that the embedded
 * database's lock is released as soon as the command ends. Commands print only their own output.
 * In the service, the service's runtime, which it initialised when it started. Outside it, the
 * command applies migrations first, but never makes the list key or a policy: only `init` and
 * `serve` do (so that a refused command changes nothing).
 */
export async function withContext<T>(
  run: (app: INestApplicationContext, runtime: Runtime) => Promise<T>,
  options: { migrate?: boolean } = { migrate: true },
): Promise<T> {
  if (host) return run(await host.context(), host.runtime);
  const runtime = await openRuntime(loadSettings());
  let app: INestApplicationContext | undefined;
  try {
    if (options.migrate !== false) await migrateSchema(runtime);
    app = await NestFactory.createApplicationContext(CliModule.forRuntime(runtime), { logger: false });
    return await run(app, runtime);
  } finally {
    if (app) await app.close();
    else await runtime.database.close();
  }
}

/** The runtime alone (settings, database, server secret), for one command. */
export async function withRuntime<T>(run: (runtime: Runtime) => Promise<T>): Promise<T> {
  if (host) return run(host.runtime);
  const runtime = await openRuntime(loadSettings());
  try {
    return await run(runtime);
  } finally {
    await runtime.database.close();
  }
}

/** The settings a command runs with: the service's, when the service runs it. */
export function commandSettings(): Settings {
  return host?.runtime.settings ?? loadSettings();
}

/** The database alone, without the server secret (which opening the runtime would create if missing). */
export async function withDatabase<T>(settings: Settings, run: (database: Database) => Promise<T>): Promise<T> {
  if (host) return run(host.runtime.database);
  const database = await openDatabase({
    databaseUrl: settings.DATABASE_URL,
    dataDir: settings.dataDir,
    entities: allEntities,
  });
  try {
    return await run(database);
  } finally {
    await database.close();
  }
}
