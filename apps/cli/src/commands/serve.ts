import { INestApplicationContext, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Command, Option } from 'commander';
import { loadSettings } from '@cordon/config';
import { initialise, openRuntime, Runtime } from '@cordon/runtime';
import { RelayModule } from '../../../relay/src/relay.module';
import { startIngress } from '../../../relay/src/smtp/start-ingress';
import { startDeliveryWorker, startPipeline } from '../../../relay/src/start-worker';
import { createWebApp } from '../../../web/src/create-web-app';

type Role = 'all' | 'web' | 'relay' | 'worker';

/**
 * Runs the service. `all` (what `npm start` does) runs the web app, the SMTP/LMTP ingress and the
 * delivery worker in one process, which is also the only way to run on the embedded database.
 * `web`, `relay` (the ingress) and `worker` run one role each, against a shared PostgreSQL.
 */
export function serveCommand(): Command {
  return new Command('serve')
    .description('Run the service: web app, SMTP ingress and delivery worker (default), or one role')
    .addOption(new Option('--role <role>', 'what to run').choices(['all', 'web', 'relay', 'worker']).default('all'))
    .action(async (opts: { role: Role }) => {
      const settings = loadSettings();
      const runtime = await openRuntime(settings);
      const init = await initialise(runtime);
      const log = new Logger('cordon');
      if (opts.role === 'worker' || opts.role === 'relay') {
        const app = await NestFactory.createApplicationContext(RelayModule.forRuntime(runtime));
        app.enableShutdownHooks();
        if (opts.role === 'relay') {
          await startOrClose(app, () => startIngress(app));
          startPipeline(app);
        } else {
          startDeliveryWorker(app);
          log.log('delivery worker started');
        }
        return;
      }
      let relay: INestApplicationContext | undefined;
      const app = await createWebApp(opts.role === 'all' ? closedThrough(runtime, () => relay) : runtime);
      await app.listen(settings.HTTP_PORT, settings.HTTP_HOST);
      if (opts.role === 'all') {
        relay = await NestFactory.createApplicationContext(RelayModule.forRuntime(runtime));
        await startOrClose(app, () => startIngress(relay!));
        // The relay's container runs every worker; the web app's only queues mail.
        startPipeline(relay);
        startDeliveryWorker(relay);
      }
      log.log(`list ${settings.LIST_ADDRESS}, list key ${init.listKeyFingerprint}`);
      log.log(`web on ${settings.publicUrl} (apply at /apply, admin at /admin)`);
      log.log(
        settings.OUTBOUND_SMTP_URL ? 'outgoing mail via SMTP' : `outgoing mail written to ${settings.dataDir}/outbox/`,
      );
    });
}

/**
 * In `all`, the relay's container (the SMTP listener) lives beside the web app's, on the same
 * database. The web app drives shutdown (it listens for the signals), and its last step is closing
 * the database: that step closes the relay first, whose listener lets a session storing a message
 * finish, and then the database. So no 250 is ever cut off by a closed database, and it closes once.
 */
function closedThrough(runtime: Runtime, relay: () => INestApplicationContext | undefined): Runtime {
  const close = () => relay()?.close() ?? runtime.database.close();
  return { ...runtime, database: { ...runtime.database, close } };
}

/** A listener that cannot start stops the process cleanly: the embedded database is closed, not abandoned. */
async function startOrClose(app: INestApplicationContext, start: () => Promise<unknown>): Promise<void> {
  try {
    await start();
  } catch (error) {
    await app.close();
    throw error;
  }
}
