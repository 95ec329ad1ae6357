import { Logger } from '@nestjs/common';
import { loadSettings, SettingsError } from '@cordon/config';
import { initialise, openRuntime } from '@cordon/runtime';
import { createWebApp } from './create-web-app';

/** The web app alone (`npm run start:web`); `npm start` runs every role in one process. */
async function main(): Promise<void> {
  const settings = loadSettings();
  const runtime = await openRuntime(settings);
  await initialise(runtime);
  const app = await createWebApp(runtime);
  await app.listen(settings.HTTP_PORT, settings.HTTP_HOST);
  new Logger('web').log(`listening on ${settings.publicUrl}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof SettingsError ? error.message : error);
  process.exit(1);
});
