import { Injectable } from '@nestjs/common';
import { AuthGuard, AuthGuardAuthenticateOptions, PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-custom';
import { OpenMemberSession } from '@cordon/membership';

export interface MemberLinkRequest extends Request {
  memberLink?: { memberId: string };
}

/**
 * The member's sign-in link as a passport strategy: a thin adapter over OpenMemberSession, which
 * keeps the rules (the link used up once, before it expires, by a member still in; audit). A
 * refusal is the domain's DomainError, shown by the error filter as before.
 */
@Injectable()
export class MemberLinkSessionStrategy extends PassportStrategy(Strategy, 'member-link-session') {
  constructor(private readonly openSession: OpenMemberSession) {
    super();
  }

  validate(req: Request): Promise<{ memberId: string }> {
    return this.openSession.execute(String(req.params.token ?? ''));
  }
}

/** POST /member/sign-in/:token: the 'member-link-session' strategy; the session opens in the controller. */
@Injectable()
export class MemberLinkGuard extends AuthGuard('member-link-session') {
  override getAuthenticateOptions(): AuthGuardAuthenticateOptions {
    return { session: false, property: 'memberLink' };
  }
}
