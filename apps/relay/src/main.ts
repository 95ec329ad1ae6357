import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadSettings, SettingsError } from '@cordon/config';
import { initialise, openRuntime } from '@cordon/runtime';
import { RelayModule } from './relay.module';
import { startIngress } from './smtp/start-ingress';
import { startDeliveryWorker, startPipeline } from './start-worker';

/** The relay app alone: SMTP/LMTP ingress and delivery worker; `npm start` runs every role in one process. */
async function main(): Promise<void> {
  const runtime = await openRuntime(loadSettings());
  await initialise(runtime);
  const app = await NestFactory.createApplicationContext(RelayModule.forRuntime(runtime));
  app.enableShutdownHooks();
  try {
    await startIngress(app);
  } catch (error) {
    await app.close(); // releases the database (and the embedded one's lock) before exiting
    throw error;
  }
  startPipeline(app);
  startDeliveryWorker(app);
  new Logger('relay').log('post pipeline and delivery workers started');
}

main().catch((error: unknown) => {
  console.error(error instanceof SettingsError ? error.message : error);
  process.exit(1);
});
