import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError } from '@cordon/errors';
import { MemberAccount } from '@cordon/membership';
import { MemberRequest } from './current-member.decorator';
import { endMemberSession, memberSessionOf } from './member-session';

/**
 * The one gate of the member pages: a member session that has not expired, of a member who is
 * still active or suspended (a suspended member sees that it is). Removed or banned: the session
 * ends here. Deny by default; a browser is sent to /member to ask for a new link.
 */
@Injectable()
export class MemberSessionGuard implements CanActivate {
  constructor(private readonly account: MemberAccount) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<MemberRequest>();
    const session = memberSessionOf(req);
    const member = session ? await this.account.identity(session.memberId) : null;
    if (member) {
      req.member = member;
      return true;
    }
    if (req.session?.member) await endMemberSession(req);
    if (req.accepts(['html', 'json']) === 'json') {
      throw new DomainError('NOT_AUTHENTICATED', 'Ask for a sign-in link at /member first.');
    }
    // As in MaintainerSessionGuard: the redirect is the whole response.
    context.switchToHttp().getResponse<Response>().redirect(303, '/member?expired=1');
    return false;
  }
}
