import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Runtime } from '@cordon/runtime';
import { configureHttp } from './http/configure-http';
import { JsonLogger } from './http/json-logger';
import { publishOpenApi } from './api/openapi';
import { WebModule } from './web.module';

/** Builds the web app on an opened runtime; the caller decides whether and where it listens. */
export async function createWebApp(runtime: Runtime): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(WebModule.forRuntime(runtime), {
    bodyParser: false,
    logger: new JsonLogger(runtime.settings.LOG_LEVEL),
  });
  app.enableShutdownHooks();
  const sessions = configureHttp(app, runtime.settings, runtime.secret);
  // API DTOs are validated at the edge; unknown fields are refused, not silently dropped.
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  publishOpenApi(app);
  const prune = setInterval(() => void sessions.prune().catch(() => undefined), 15 * 60_000);
  prune.unref();
  await app.init();
  return app;
}
