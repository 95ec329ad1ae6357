import type { Request } from 'express';

/**
 * A reporter's session on its report's page (issue 13, "The reporter's private page"): which
 * report, and until when. It lives in the one session store (apps/cordon/src/web/http/session-store.ts)
 * under its own key, `reporter`, with a short absolute life (MEMBER_SESSION_TTL_MINUTES from the
 * link, not extended by use): the link is the credential and opens it again at any time. It grants
 * nothing in /admin or /member, whose guards read only their own keys.
 */
export interface ReporterSession {
  reportId: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

declare module 'express-session' {
  interface SessionData {
    reporter?: ReporterSession;
  }
}

/** The session's report, while it lasts. */
export function reporterSessionOf(req: Request): ReporterSession | null {
  const reporter = req.session?.reporter;
  return reporter && typeof reporter.expiresAt === 'number' && reporter.expiresAt > Date.now() ? reporter : null;
}

/**
 * Starts a fresh session (new id) for the report's page: an id planted before the link was
 * followed is worthless after it (OWASP session fixation), and whatever the old session held is
 * left behind with it.
 */
export async function beginReporterSession(req: Request, reportId: string, ttlMinutes: number): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    req.session.regenerate((err: unknown) => (err ? reject(err) : resolve())),
  );
  req.session.reporter = { reportId, expiresAt: Date.now() + ttlMinutes * 60_000 };
  await new Promise<void>((resolve, reject) => req.session.save((err: unknown) => (err ? reject(err) : resolve())));
}
