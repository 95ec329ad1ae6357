import { createServer } from 'node:net';
import { INestApplicationContext, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Command, Option } from 'commander';
import { listenFailure, loadSettings, SettingsError } from '@cordon/config';
import { ListKey } from '@cordon/crypto';
import { initialise, InitialiseResult, openRuntime, Runtime, startWatchdog } from '@cordon/runtime';
import { RelayModule } from '../../../relay/src/relay.module';
import { startIngress } from '../../../relay/src/smtp/start-ingress';
import { startDeliveryWorker, startPipeline } from '../../../relay/src/start-worker';
import { createWebApp } from '../../../web/src/create-web-app';
import { JsonLogger } from '../../../web/src/http/json-logger';
import { CommandServer, serveCommands } from '../command-server';

type Role = 'all' | 'web' | 'relay' | 'worker';

/**
 * Runs the service. `all` (what `npm start` does) runs the web app, the SMTP/LMTP ingress and the
 * delivery workers in one process, which is also the only way to run on the embedded database.
 * On a shared PostgreSQL each role can run alone, in as many copies as wanted (README "Scale out"):
 * - `web`: the web app and API (what it sends is queued, never sent from here);
 * - `relay`: the SMTP/LMTP ingress, the post pipeline that drains what it stored, and the timed
 *   jobs (embargo reminders, key health, re-attestation, inbound retention, the maintainers'
 *   digest): their work is claimed in the database, so several relays do each piece once;
 * - `worker`: both delivery queues (the service's own mail, and members' copies of posts).
 * Every queue is claimed with FOR UPDATE SKIP LOCKED and a lease, so copies of a role share the work.
 */
export function serveCommand(program: () => Command): Command {
  return new Command('serve')
    .description('Run the service: web app, SMTP ingress and delivery worker (default), or one role')
    .addOption(new Option('--role <role>', 'what to run').choices(['all', 'web', 'relay', 'worker']).default('all'))
    .action(async (opts: { role: Role }) => {
      const settings = loadSettings();
      let commands: CommandServer | undefined;
      const runtime = closingCommandsFirst(await openRuntime(settings), () => commands);
      await portsFree(runtime, opts.role);
      const init = await initialiseOnce(runtime);
      const log = new Logger('cordon');
      // The CLI beside the service: the embedded database is this process's alone (README "CLI").
      if (runtime.database.embedded) commands = await serveCommands(runtime, program, new Logger('cli'));
      if (opts.role === 'worker' || opts.role === 'relay') {
        const app = await NestFactory.createApplicationContext(RelayModule.forRuntime(runtime), {
          logger: new JsonLogger(settings.LOG_LEVEL),
        });
        app.enableShutdownHooks();
        if (opts.role === 'relay') {
          const port = await startOrClose(app, () => startIngress(app));
          startPipeline(app);
          log.log(`relay: ingress on port ${port}, post pipeline and timed jobs started`);
        } else {
          startDeliveryWorker(app);
          const to = settings.OUTBOUND_SMTP_URL ? 'via SMTP' : `to ${settings.dataDir}/outbox/`;
          log.log(
            `worker: delivery of queued mail and post copies ${to} started, polling every ${settings.DELIVERY_POLL_MS} ms`,
          );
        }
        log.log(`list ${settings.LIST_ADDRESS}, list key ${init.listKeyFingerprint}`);
        // Once the service is up, a loop that stands still ends the process for its supervisor to
        // restart (README "Staying up"). Not before: start-up does seconds of work in one go
        // (loading the embedded database, migrations), which is no sign of a stuck process.
        startWatchdog(settings.WATCHDOG_SECONDS);
        return;
      }
      let relay: INestApplicationContext | undefined;
      const app = await createWebApp(opts.role === 'all' ? closedThrough(runtime, () => relay) : runtime);
      await startOrClose(app, () =>
        app.listen(settings.HTTP_PORT, settings.HTTP_HOST).catch((error: unknown) => {
          throw listenFailure('HTTP', settings.HTTP_HOST, settings.HTTP_PORT, error);
        }),
      );
      if (opts.role === 'all') {
        relay = await NestFactory.createApplicationContext(RelayModule.forRuntime(runtime));
        await startOrClose(app, () => startIngress(relay!));
        // The relay's container runs every worker; the web app's only queues mail.
        startPipeline(relay);
        startDeliveryWorker(relay);
      }
      log.log(`list ${settings.LIST_ADDRESS}, list key ${init.listKeyFingerprint}`);
      log.log(`web on ${settings.publicUrl} (apply at /apply, admin at /admin)`);
      if (opts.role === 'all') {
        log.log(
          settings.OUTBOUND_SMTP_URL
            ? 'outgoing mail via SMTP'
            : `outgoing mail written to ${settings.dataDir}/outbox/`,
        );
      }
      startWatchdog(settings.WATCHDOG_SECONDS); // once up, as above
    });
}

/** Initialises (one process at a time: see `initialise`), then checks this process's secret. */
async function initialiseOnce(runtime: Runtime): Promise<InitialiseResult> {
  const init = await initialise(runtime);
  await sameSecretAsTheOthers(runtime);
  return init;
}

/**
 * The list key is stored encrypted under a passphrase derived from the server secret
 * (SECRET_KEY_FILE, by default DATA_DIR/secret.key). A process started with another secret could
 * not sign or open anything: it stops now, with one line saying what to share.
 */
async function sameSecretAsTheOthers(runtime: Runtime): Promise<void> {
  try {
    await new ListKey(runtime.database.dataSource, runtime.settings, runtime.secret).secretKey();
  } catch (error) {
    // OpenPGP.js: "Error decrypting private key: Incorrect key passphrase". Anything else (the
    // database going away) is not about the secret, and is reported as it is.
    if (!(error instanceof Error && /passphrase/i.test(error.message))) throw error;
    throw new SettingsError(
      `The list key in DATABASE_URL does not open with the server secret in ${runtime.settings.secretKeyFile}: ` +
        'every process sharing one database needs a copy of the same secret key file (set SECRET_KEY_FILE).',
    );
  }
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

/**
 * The command server goes before the database: a command it is running finishes first. Every
 * close of the database (the web app's, the relay's, a failed start's) goes through this one.
 */
function closingCommandsFirst(runtime: Runtime, commands: () => CommandServer | undefined): Runtime {
  const close = async () => {
    await commands()?.close();
    await runtime.database.close();
  };
  return { ...runtime, database: { ...runtime.database, close } };
}

/**
 * A port in use, or not this process's to bind, is told at once, in one line, before the seconds
 * of start-up work (migrations, the list key) rather than after. The listeners themselves say the
 * same should the port be taken in between.
 */
async function portsFree(runtime: Runtime, role: Role): Promise<void> {
  const { settings } = runtime;
  const wanted: ['HTTP' | 'SMTP', string, number][] = [];
  if (role === 'all' || role === 'web') wanted.push(['HTTP', settings.HTTP_HOST, settings.HTTP_PORT]);
  if (role === 'all' || role === 'relay') wanted.push(['SMTP', settings.SMTP_HOST, settings.SMTP_PORT]);
  for (const [service, host, port] of wanted) {
    if (port === 0) continue; // any free port
    const probe = createServer();
    const failure = await new Promise<Error | undefined>((resolve) => {
      probe.once('error', resolve);
      probe.listen(port, host, () => probe.close(() => resolve(undefined)));
    });
    if (failure) {
      await runtime.database.close();
      throw listenFailure(service, host, port, failure);
    }
  }
}

/** A listener that cannot start stops the process cleanly: the embedded database is closed, not abandoned. */
async function startOrClose<T>(app: INestApplicationContext, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    await app.close();
    throw error;
  }
}
