/**
 * Starts the whole web app, as `npm start` would, on a fresh test database and a free port on
 * 127.0.0.1. Outgoing mail goes to DATA_DIR/outbox (or the SMTP URL given); `close()` stops it all.
 */
import type { NestExpressApplication } from '@nestjs/platform-express';
import { parseSettings, Settings } from '@cordon/config';
import { initialise, openRuntime, Runtime } from '@cordon/runtime';
import { createWebApp } from '../../apps/cordon/src/web/create-web-app';
import { freshDatabaseLocation } from './database';

export interface RunningWebApp {
  app: NestExpressApplication;
  runtime: Runtime;
  settings: Settings;
  url: string;
  close(): Promise<void>;
}

export async function startWebApp(env: Record<string, string> = {}): Promise<RunningWebApp> {
  const location = await freshDatabaseLocation();
  const settings = parseSettings(
    {
      DATA_DIR: location.dataDir,
      DATABASE_URL: location.databaseUrl,
      LIST_ADDRESS: 'distributors@example.org',
      LOG_LEVEL: 'warn',
      HTTP_PORT: '0',
      ...env,
    },
    process.cwd(),
  );
  const runtime = await openRuntime(settings);
  await initialise(runtime);
  const app = await createWebApp(runtime);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  // Links in mail must point at this server.
  runtime.settings.publicUrl = url;
  return {
    app,
    runtime,
    settings: runtime.settings,
    url,
    close: async () => {
      await app.close();
      await location.remove();
    },
  };
}
