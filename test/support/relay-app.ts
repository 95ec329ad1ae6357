/**
 * The relay role's container (apps/cordon/src/relay) — SMTP ingress, post pipeline, and the
 * delivery workers its modules hold (the worker role's, in `cordon serve`) — on a fresh test
 * database, with outgoing mail going to an SMTP sink on 127.0.0.1. The ingress is started; the
 * pipeline and workers are not: tests drain them step by step, so each step can be asserted.
 */
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { parseSettings, Settings } from '@cordon/config';
import { DeliveryWorker } from '@cordon/delivery';
import { InboundProcessor, PostDeliveryWorker } from '@cordon/relay';
import { initialise, openRuntime, Runtime } from '@cordon/runtime';
import { RelayModule } from '../../apps/cordon/src/relay/relay.module';
import { startIngress } from '../../apps/cordon/src/relay/smtp/start-ingress';
import { freshDatabaseLocation } from './database';
import { SmtpSink } from './smtp-sink';

export interface RunningRelay {
  app: INestApplicationContext;
  runtime: Runtime;
  settings: Settings;
  smtpPort: number;
  sink: SmtpSink;
  sinkPort: number;
  location: Awaited<ReturnType<typeof freshDatabaseLocation>>;
  /** Runs the pipeline and both delivery queues until nothing is left to do. */
  settle(): Promise<void>;
  /** Stops the app (as a restart would); the database stays. */
  stop(): Promise<void>;
  close(): Promise<void>;
}

export async function startRelay(
  env: Record<string, string | undefined> = {},
  reuse?: Pick<RunningRelay, 'location' | 'sink' | 'sinkPort'>,
): Promise<RunningRelay> {
  const location = reuse?.location ?? (await freshDatabaseLocation());
  const sink = reuse?.sink ?? new SmtpSink();
  const sinkPort = reuse?.sinkPort ?? (await sink.start());
  const settings = parseSettings(
    {
      DATA_DIR: location.dataDir,
      DATABASE_URL: location.databaseUrl,
      LIST_ADDRESS: 'distributors@example.org',
      LIST_NAME: 'Example distributors',
      LOG_LEVEL: 'warn',
      SMTP_PORT: '0',
      OUTBOUND_SMTP_URL: `smtp://127.0.0.1:${sinkPort}`,
      // Most relay tests post untagged on purpose; a test of the default passes UNTAGGED_POSTS:
      // undefined (README, "Terms in every copy").
      UNTAGGED_POSTS: 'relay',
      ...env,
    },
    process.cwd(),
  );
  const runtime = await openRuntime(settings);
  await initialise(runtime);
  const app = await NestFactory.createApplicationContext(RelayModule.forRuntime(runtime), { logger: ['error'] });
  const smtpPort = await startIngress(app);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await app.close();
  };
  return {
    app,
    runtime,
    settings,
    smtpPort,
    sink,
    sinkPort,
    location,
    settle: async () => {
      await app.get(InboundProcessor).drain();
      await app.get(PostDeliveryWorker).drain();
      await app.get(DeliveryWorker).drain();
    },
    stop,
    close: async () => {
      await stop();
      await sink.stop();
      await location.remove();
    },
  };
}
