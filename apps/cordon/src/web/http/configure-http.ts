import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import express from 'express';
import session from 'express-session';
import { DataSource } from 'typeorm';
import { Settings } from '@cordon/config';
import { ServerSecret } from '@cordon/crypto';
import { applicationUpload } from '../public/application-upload';
import { reportUpload } from '../public/report-upload';
import { csrf } from './csrf';
import { refuseDeepJson } from './json-depth';
import { securityHeaders } from './security-headers';
import { DatabaseSessionStore } from './session-store';
import { etaEngine } from './views';

/** Limits on what a request may carry; forms are small, a key is a few KB. */
export const FORM_LIMIT = '256kb';

export const webRoot = join(__dirname, '..');

/** Express-level set-up shared by the server and the tests: headers, parsers, session, CSRF, views. */
export function configureHttp(
  app: NestExpressApplication,
  settings: Settings,
  secret: ServerSecret,
): DatabaseSessionStore {
  const dataSource = app.get(DataSource);
  app.disable('x-powered-by');
  // Off by default: with a proxy trusted that is not there, any client on that address could name
  // itself in X-Forwarded-For and step round every per-address throttle. README "Behind a reverse
  // proxy" says what to set behind which proxy.
  app.set('trust proxy', settings.TRUST_PROXY);
  app.use(securityHeaders(settings.secureCookies));
  app.useStaticAssets(join(webRoot, 'assets'), { prefix: '/assets/', maxAge: '1h', index: false });
  // Everything past the assets is private (admin, member and status pages, the API, /metrics) or
  // carries a session's CSRF token: no browser or proxy cache may keep it.
  app.use((_req: express.Request, res: express.Response, next: express.NextFunction) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.engine('eta', etaEngine(join(webRoot, 'views'), true));
  app.set('view engine', 'eta');
  app.set('views', join(webRoot, 'views'));

  app.use(express.urlencoded({ extended: false, limit: FORM_LIMIT, parameterLimit: 100 }));
  app.use(express.json({ limit: FORM_LIMIT, verify: refuseDeepJson }));
  // The application form may carry the key as a file; parse it before the CSRF check reads `_csrf`.
  app.use('/apply', applicationUpload());
  // So may the forms that take a maintainer's key (adding a maintainer, "My key"): the same reader.
  app.use('/admin/maintainers/add', applicationUpload());
  app.use('/admin/key', applicationUpload());
  // A vulnerability report and a reporter's reply carry attachments, up to REPORT_MAX_BYTES in all.
  app.use('/report', reportUpload(settings.REPORT_MAX_BYTES));
  app.use(cookieParser());

  const ttlMs = settings.ADMIN_SESSION_TTL_MINUTES * 60_000;
  const store = new DatabaseSessionStore(dataSource, ttlMs);
  app.use(
    session({
      name: settings.secureCookies ? '__Host-cordon' : 'cordon',
      secret: secret.derive('cookie-signing').toString('base64'),
      store,
      resave: false,
      saveUninitialized: false,
      rolling: true,
      cookie: { httpOnly: true, sameSite: 'lax', secure: settings.secureCookies, maxAge: ttlMs, path: '/' },
    }),
  );
  app.use(csrf.csrfSynchronisedProtection);
  app.use((req: express.Request, res: express.Response, next: express.NextFunction) => {
    // Pages get their CSRF token when rendered, not before: generating it starts a session, and
    // API calls and health probes must not leave sessions behind.
    Object.defineProperty(res.locals, 'csrfToken', { enumerable: true, get: () => csrf.generateToken(req) });
    res.locals.listName = settings.LIST_NAME;
    next();
  });
  return store;
}
