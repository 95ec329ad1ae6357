import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadSettings } from '@cordon/config';
import { initialise, openRuntime, Runtime } from '@cordon/runtime';
import { CliModule } from './cli.module';

/**
 * Opens the runtime for one command, runs it, and closes everything, so that the embedded
 * database's lock is released as soon as the command ends. Commands print only their own output.
 */
export async function withContext<T>(
  run: (app: INestApplicationContext, runtime: Runtime) => Promise<T>,
  options: { initialise?: boolean } = { initialise: true },
): Promise<T> {
  const runtime = await openRuntime(loadSettings());
  let app: INestApplicationContext | undefined;
  try {
    if (options.initialise !== false) await initialise(runtime);
    app = await NestFactory.createApplicationContext(CliModule.forRuntime(runtime), { logger: false });
    return await run(app, runtime);
  } finally {
    if (app) await app.close();
    else await runtime.database.close();
  }
}
