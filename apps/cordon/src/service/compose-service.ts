import { INestApplicationContext, Logger } from '@nestjs/common';
import { listenFailure, Settings } from '@cordon/config';
import { openRuntime, Runtime, startWatchdog } from '@cordon/runtime';
import { startIngress } from '../relay/smtp/start-ingress';
import { startPipeline } from '../relay/start-pipeline';
import { createWebApp } from '../web/create-web-app';
import { JsonLogger } from '../web/http/json-logger';
import { startDeliveryWorkers } from '../worker/start-delivery-workers';
import { createBackgroundContext } from './background-roles';
import { initialiseOnce } from './initialise-once';
import { portsFree } from './ports-free';
import { ServiceRole } from './service-role';
import { Closable, closedThrough, closingFirst, startOrClose } from './shutdown-order';

export interface ServiceOptions {
  role: ServiceRole;
  /**
   * Serves the CLI beside the service on the embedded database (README "CLI"): `cordon serve` hands
   * in its command server, so that the roles and this root need nothing of the CLI. It starts once
   * the service is initialised, and closes before the database.
   */
  commandsBeside?: (runtime: Runtime) => Promise<Closable | undefined>;
}

/**
 * The composition root: the one place that builds the roles (service-role.ts) and starts those a
 * process runs. In order: the ports are checked, the database is initialised (once, whichever
 * process comes first), the CLI beside is served, the roles start, and, once up, the watchdog.
 * Shutdown runs the other way round (shutdown-order.ts).
 */
export async function startService(settings: Settings, options: ServiceOptions): Promise<void> {
  const { role } = options;
  let commands: Closable | undefined;
  const runtime = closingFirst(await openRuntime(settings), () => commands);
  // Named in the registry of processes that hold leases, for the operator who reads it.
  runtime.database.processes.describeAs(`serve ${role}`);
  await portsFree(runtime, role);
  const init = await initialiseOnce(runtime);
  const log = new Logger('cordon');
  // The CLI beside the service: the embedded database is this process's alone (README "CLI").
  if (runtime.database.embedded) commands = await options.commandsBeside?.(runtime);
  const list = `list ${settings.LIST_ADDRESS}, list key ${init.listKeyFingerprint}`;
  if (role === 'relay' || role === 'worker') {
    log.log(await startBackgroundRole(runtime, role));
    log.log(list);
  } else {
    await startWebRole(runtime, role === 'all');
    log.log(list);
    log.log(`web on ${settings.publicUrl} (apply at /apply, admin at /admin)`);
    if (role === 'all') {
      log.log(
        settings.OUTBOUND_SMTP_URL ? 'outgoing mail via SMTP' : `outgoing mail written to ${settings.dataDir}/outbox/`,
      );
    }
  }
  // Once the service is up, a loop that stands still ends the process for its supervisor to
  // restart (README "Staying up"). Not before: start-up does seconds of work in one go
  // (loading the embedded database, migrations), which is no sign of a stuck process.
  startWatchdog(settings.WATCHDOG_SECONDS);
}

/** The relay or the worker alone, in a container of its own; resolves to the line that says it started. */
async function startBackgroundRole(runtime: Runtime, role: 'relay' | 'worker'): Promise<string> {
  const { settings } = runtime;
  const app = await createBackgroundContext(
    runtime,
    { relay: role === 'relay', worker: role === 'worker' },
    { logger: new JsonLogger(settings.LOG_LEVEL) },
  );
  app.enableShutdownHooks();
  if (role === 'relay') {
    const port = await startOrClose(app, () => startIngress(app));
    await startPipeline(app);
    return `relay: ingress on port ${port}, post pipeline and timed jobs started`;
  }
  await startDeliveryWorkers(app);
  const to = settings.OUTBOUND_SMTP_URL ? 'via SMTP' : `to ${settings.dataDir}/outbox/`;
  return `worker: delivery of queued mail and post copies ${to} started, polling every ${settings.DELIVERY_POLL_MS} ms`;
}

/** The web app, listening; with `andBackground` (role `all`), the relay and the worker beside it. */
async function startWebRole(runtime: Runtime, andBackground: boolean): Promise<void> {
  const { settings } = runtime;
  const background: { context?: INestApplicationContext } = {};
  const app = await createWebApp(andBackground ? closedThrough(runtime, () => background.context) : runtime);
  await startOrClose(app, () =>
    app.listen(settings.HTTP_PORT, settings.HTTP_HOST).catch((error: unknown) => {
      throw listenFailure('HTTP', settings.HTTP_HOST, settings.HTTP_PORT, error);
    }),
  );
  if (!andBackground) return;
  const context = await createBackgroundContext(runtime, { relay: true, worker: true });
  background.context = context;
  await startOrClose(app, () => startIngress(context));
  await startPipeline(context);
  await startDeliveryWorkers(context);
}
