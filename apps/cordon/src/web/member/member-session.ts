import type { Request } from 'express';

/**
 * A member session: who, and until when. It lives in the same session store as the maintainers'
 * (apps/cordon/src/web/http/session-store.ts) under its own key, `member`, with its own short, absolute
 * life (MEMBER_SESSION_TTL_MINUTES from the sign-in, not extended by use): holding the key is the
 * login, and asking for a new link costs a member a minute. A member session grants nothing in
 * /admin (MaintainerSessionGuard reads only `admin`), and an admin session nothing here.
 */
export interface MemberSession {
  memberId: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

declare module 'express-session' {
  interface SessionData {
    member?: MemberSession;
  }
}

/** The session's member, while it lasts. */
export function memberSessionOf(req: Request): MemberSession | null {
  const member = req.session?.member;
  return member && typeof member.expiresAt === 'number' && member.expiresAt > Date.now() ? member : null;
}

/**
 * Starts a fresh session (new id) for the member: an id planted before the sign-in is worthless
 * after it (OWASP session fixation). Whatever the old session held, a maintainer login included,
 * is left behind with it.
 */
export async function beginMemberSession(req: Request, memberId: string, ttlMinutes: number): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    req.session.regenerate((err: unknown) => (err ? reject(err) : resolve())),
  );
  req.session.member = { memberId, expiresAt: Date.now() + ttlMinutes * 60_000 };
  await new Promise<void>((resolve, reject) => req.session.save((err: unknown) => (err ? reject(err) : resolve())));
}

export async function endMemberSession(req: Request): Promise<void> {
  if (!req.session) return;
  await new Promise<void>((resolve, reject) => req.session.destroy((err: unknown) => (err ? reject(err) : resolve())));
}
