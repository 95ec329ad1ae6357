import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadSettings } from '@cordon/config';
import { migrateSchema, openRuntime, Runtime } from '@cordon/runtime';
import { CliModule } from './cli.module';

/**
 * Opens the runtime for one command, runs it, and closes everything, so that the embedded
 * database's lock is released as soon as the command ends. Commands print only their own output.
 * The command applies migrations first, but never makes the list key or a policy: only `init` and
 * `serve` do (so that a refused command changes nothing).
 */
export async function withContext<T>(
  run: (app: INestApplicationContext, runtime: Runtime) => Promise<T>,
  options: { migrate?: boolean } = { migrate: true },
): Promise<T> {
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
