import type { Request } from 'express';

/**
 * What an admin session holds: only who is logging in and how far they got. Everything else (name,
 * status) is read from the database on each request, so disabling a maintainer takes effect at once.
 *
 * totp            - password accepted; the code from the authenticator app is next
 * totp_enrolment  - password accepted on first login; setting up the authenticator app is next
 * in              - logged in
 */
export type AdminLoginStage = 'totp' | 'totp_enrolment' | 'in';

export interface AdminSession {
  maintainerId: string;
  stage: AdminLoginStage;
}

declare module 'express-session' {
  interface SessionData {
    admin?: AdminSession;
  }
}

/**
 * Starts a fresh session (new id) holding `admin`: called at each login step so that an id an
 * attacker planted before the login is worthless after it (OWASP session fixation).
 */
export async function beginAdminSession(req: Request, admin: AdminSession): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    req.session.regenerate((err: unknown) => (err ? reject(err) : resolve())),
  );
  req.session.admin = admin;
  // Saved before the redirect goes out, so the next request finds it even on a slow store.
  await new Promise<void>((resolve, reject) => req.session.save((err: unknown) => (err ? reject(err) : resolve())));
}

export async function endSession(req: Request): Promise<void> {
  if (!req.session) return;
  await new Promise<void>((resolve, reject) => req.session.destroy((err: unknown) => (err ? reject(err) : resolve())));
}
