import { INestApplicationContext, LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { coreModules, Runtime } from '@cordon/runtime';
import { RelayModule } from '../relay/relay.module';
import { WorkerModule } from '../worker/worker.module';

/** The roles without HTTP that one process runs: the relay's, the worker's, or both (in `all`). */
export interface BackgroundRoles {
  relay: boolean;
  worker: boolean;
}

@Module({})
class BackgroundRolesModule {}

/**
 * One Nest container for the background roles, on the core modules (global) added once: in `all`
 * the relay and the worker share the delivery and pipeline providers, as one process should.
 */
export function createBackgroundContext(
  runtime: Runtime,
  roles: BackgroundRoles,
  options: { logger?: LoggerService } = {},
): Promise<INestApplicationContext> {
  const imports = [
    ...coreModules(runtime),
    ...(roles.relay ? [RelayModule] : []),
    ...(roles.worker ? [WorkerModule] : []),
  ];
  return NestFactory.createApplicationContext({ module: BackgroundRolesModule, imports }, options);
}
