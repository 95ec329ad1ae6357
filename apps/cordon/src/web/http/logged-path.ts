import type { Request } from 'express';

/**
 * The path a log line may name: the matched route's pattern (`/report/access/:token`), never the
 * request's own path, whose segments can be capability tokens (a reporter's link, a sign-in or
 * confirmation link) and must not reach the log (docs/architecture.md, invariant 6). Without a
 * matched route (a refusal before any controller), only the first segment.
 */
export function loggedPath(req: Pick<Request, 'baseUrl' | 'path'> & { route?: { path?: unknown } }): string {
  const pattern = req.route?.path;
  if (typeof pattern === 'string') return `${req.baseUrl ?? ''}${pattern}`;
  const first = /^\/[^/]*/.exec(req.path ?? '')?.[0] ?? '/';
  return first === req.path ? first : `${first}/…`;
}
