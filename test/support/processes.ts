/**
 * Processes that hold leases, played inside one test process (docs/architecture.md, "Leases"): a
 * registry of its own stands for another process on the same database, and a crash is a registry
 * that stops beating without leaving.
 */
import { DataSource } from 'typeorm';
import { ProcessRegistry } from '@cordon/persistence';

/** How old a beat this file's reaper takes for dead: the real TAKEOVER_AFTER_MS (20 s) is too long to wait for. */
export const TEST_TAKEOVER_AFTER_MS = 1_000;

/** Another process on `dataSource`, which beats only when told and never leaves: kill -9 is simply not calling it again. */
export function anotherProcess(dataSource: DataSource): ProcessRegistry {
  return new ProcessRegistry(dataSource, { embedded: false, heartbeatMs: 0 });
}

/**
 * Waits until the rows of processes that stopped beating are TEST_TAKEOVER_AFTER_MS old, and has a
 * live process's heartbeat delete them, as one would TAKEOVER_AFTER_MS after a crash. The default
 * registry of `dataSource` (the test's own process) beats first, so that only the silent ones go.
 */
export async function reapSilentProcesses(dataSource: DataSource): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, TEST_TAKEOVER_AFTER_MS + 100));
  await ProcessRegistry.of(dataSource).beat();
  const reaper = new ProcessRegistry(dataSource, {
    embedded: false,
    heartbeatMs: 0,
    takeoverAfterMs: TEST_TAKEOVER_AFTER_MS,
  });
  await reaper.id();
  await reaper.beat();
  await reaper.close();
}
