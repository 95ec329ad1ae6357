import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError } from '@cordon/errors';
import { FindActiveMaintainer } from '@cordon/maintainers';
import { endSession } from './admin-session';
import { AdminRequest } from './current-maintainer.decorator';

/**
 * The one gate of the admin UI: a session that completed both login steps, of a maintainer who is
 * still active. Deny by default. A browser is sent to the login page (303); anything asking for
 * JSON gets 401.
 */
@Injectable()
export class MaintainerSessionGuard implements CanActivate {
  constructor(private readonly findActive: FindActiveMaintainer) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AdminRequest>();
    const session = req.session?.admin;
    const maintainer = session?.stage === 'in' ? await this.findActive.execute(session.maintainerId) : null;
    if (maintainer) {
      req.maintainer = maintainer;
      return true;
    }
    // Logged in, but no longer active (disabled): the session ends here.
    if (session?.stage === 'in') await endSession(req);
    if (req.accepts(['html', 'json']) === 'json')
      throw new DomainError('NOT_AUTHENTICATED', 'Log in at /admin/login first.');
    // The redirect is the whole response; returning false then makes Nest throw a 403 that the
    // error filter drops because the headers are already sent.
    context.switchToHttp().getResponse<Response>().redirect(303, '/admin/login');
    return false;
  }
}
