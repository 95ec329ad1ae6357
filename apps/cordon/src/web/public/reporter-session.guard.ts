import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { DomainError } from '@cordon/errors';
import { reporterSessionOf } from './reporter-session';

interface ReporterRequest extends Request {
  reportId?: string;
}

/**
 * The one gate of the reporter's page: a reporter session that has not expired. Deny by default;
 * there is no sign-in page to send a reporter to, so the refusal says to open the link again.
 */
@Injectable()
export class ReporterSessionGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<ReporterRequest>();
    const session = reporterSessionOf(req);
    if (!session) {
      throw new DomainError(
        'NOT_AUTHENTICATED',
        'This page needs your report’s private link. Open the link you were given (or mailed) again.',
      );
    }
    req.reportId = session.reportId;
    return true;
  }
}

/** The report ReporterSessionGuard let in. Fails closed on a route the guard does not cover. */
export const CurrentReport = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const reportId = context.switchToHttp().getRequest<ReporterRequest>().reportId;
  if (!reportId) throw new Error('CurrentReport used on a route without ReporterSessionGuard');
  return reportId;
});
