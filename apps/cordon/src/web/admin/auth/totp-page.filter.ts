import { ArgumentsHost, Catch, ExceptionFilter, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { StartTotpEnrolment } from '@cordon/maintainers';
import { DomainErrorFilter } from '../../http/domain-error.filter';
import { AdminSession, endSession } from './admin-session';
import { LoginRestart, LoginStepRefused } from './sign-in-refusals';

/** The code page; on the first login, the authenticator app's set-up (QR code) with it. */
export async function renderTotpPage(
  res: Response,
  admin: AdminSession,
  errors: object,
  startEnrolment: StartTotpEnrolment,
  status = 200,
) {
  const enrolment = admin.stage === 'totp_enrolment' ? await startEnrolment.execute(admin.maintainerId) : null;
  res.status(status).render('admin/totp', {
    title: enrolment ? 'Set up your authenticator app' : 'Enter your code',
    enrolment,
    errors,
  });
}

/** Back to step one; a stale login's session ends first. */
export async function restartLogin(req: Request, res: Response, stale: boolean) {
  if (stale) await endSession(req);
  res.redirect(303, '/admin/login');
}

/** The code page again with what the TOTP strategy refused, or the login started over. */
@Catch(LoginStepRefused, LoginRestart)
@Injectable()
export class TotpPageFilter implements ExceptionFilter {
  constructor(private readonly startEnrolment: StartTotpEnrolment) {}

  async catch(refusal: LoginStepRefused | LoginRestart, host: ArgumentsHost): Promise<void> {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    const admin = req.session?.admin;
    if (refusal instanceof LoginRestart || !admin)
      return restartLogin(req, res, refusal instanceof LoginRestart && refusal.endSession);
    try {
      await renderTotpPage(res, admin, refusal.errors, this.startEnrolment, refusal.status);
    } catch (error) {
      // As any other failure of the page: the error filter answers (a disabled account included).
      new DomainErrorFilter().catch(error, host);
    }
  }
}
