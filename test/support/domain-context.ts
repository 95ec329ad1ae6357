/**
 * The domain libs on the database of a `cordon serve` process the test started (for the embedded
 * database, while that process is stopped), as a CLI command has them: for tests that spawn the
 * service and still set up their members and maintainers through the libs' use cases, not SQL.
 */
import { DynamicModule, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { parseSettings } from '@cordon/config';
import { MaintainersModule } from '@cordon/maintainers';
import { MembershipModule } from '@cordon/membership';
import { coreModules, openRuntime, Runtime } from '@cordon/runtime';

@Module({})
class TestDomainModule {
  static forRuntime(runtime: Runtime): DynamicModule {
    return {
      module: TestDomainModule,
      imports: [...coreModules(runtime), MembershipModule, MaintainersModule],
    };
  }
}

/** Opens the libs with the environment the service runs with, runs `work`, and closes them again. */
export async function withDomain<T>(
  env: Record<string, string>,
  work: (app: INestApplicationContext) => Promise<T>,
): Promise<T> {
  const runtime = await openRuntime(parseSettings(env, process.cwd()));
  let app: INestApplicationContext | undefined;
  try {
    app = await NestFactory.createApplicationContext(TestDomainModule.forRuntime(runtime), { logger: false });
    return await work(app);
  } finally {
    // Closing the context closes the database (PersistenceModule); without one, close it here.
    if (app) await app.close();
    else await runtime.database.close();
  }
}

/**
 * The same libs on an app's own runtime, for an app that lacks one of them (the relay role has no
 * maintainers lib: maintainers are added from the CLI or the web). It shares the app's database,
 * so it is never closed on its own: closing it would close that database (PersistenceModule).
 */
export function domainBeside(runtime: Runtime): Promise<INestApplicationContext> {
  return NestFactory.createApplicationContext(TestDomainModule.forRuntime(runtime), { logger: false });
}
