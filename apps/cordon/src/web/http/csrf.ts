import { csrfSync } from 'csrf-sync';
import type { Request } from 'express';

/**
 * Synchroniser-token CSRF protection on every form (issue 3). The token lives in the session and
 * comes back in the form field `_csrf` (or the `x-csrf-token` header for scripts). The JSON API is
 * exempt: it is authenticated by bearer tokens, never by cookies.
 */
export const csrf = csrfSync({
  getTokenFromRequest: (req: Request) => {
    const fromBody = (req.body as Record<string, unknown> | undefined)?._csrf;
    return typeof fromBody === 'string' ? fromBody : (req.headers['x-csrf-token'] as string | undefined);
  },
  skipCsrfProtection: (req: Request) => req.path.startsWith('/api/') || req.path === '/api',
  errorConfig: {
    statusCode: 403,
    message: 'This form has expired or did not come from this site. Reload the page and try again.',
    code: 'CSRF_INVALID',
  },
});
