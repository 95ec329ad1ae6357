import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { Express, Request, Response } from 'express';
import { ApiModule } from './api.module';

/**
 * The API's OpenAPI 3 document at GET /api/docs (and /api/docs.json, the name tools look for).
 * Only the JSON is served: Swagger UI's page needs inline script, which the CSP forbids; any
 * OpenAPI viewer can load the document instead. Built once, on first request, after every
 * controller is known.
 */
export function publishOpenApi(app: NestExpressApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Cordon API')
    .setDescription(
      'Maintainers’ JSON API. Authenticate with an API token made at /admin/tokens: Authorization: Bearer cordon_...',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API token (cordon_...)' })
    .build();
  let document: OpenAPIObject | undefined;
  const serve = (_req: Request, res: Response) => {
    document ??= SwaggerModule.createDocument(app, config, { include: [ApiModule] });
    res.json(document);
  };
  const express = app.getHttpAdapter().getInstance() as Express;
  express.get(['/api/docs', '/api/docs.json'], serve);
}
