import { Body, Controller, Get, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { DomainError } from '@cordon/errors';
import { ConfirmTotpEnrolment, MaintainerIdentity, StartTotpEnrolment, VerifyTotpLogin } from '@cordon/maintainers';
import { firstErrors } from '../admin-forms';
import { AdminSession, beginAdminSession, endSession } from './admin-session';
import { codeForm, fields, loginCodeForm } from './auth-forms';
import { LOGIN_THROTTLE } from './login.controller';

/** The login no longer fits the account (disabled meanwhile, or enrolled in another session): start over. */
function isStaleLogin(error: unknown): boolean {
  return error instanceof DomainError && error.code === 'NOT_AUTHENTICATED' && !error.field;
}

/**
 * Step two of the admin login: the code from the authenticator app (RFC 6238) or a one-time
 * recovery code, or, on the first login, setting the app up from a QR code and confirming it with
 * its first code; that answer shows the maintainer's recovery codes, once.
 */
@ApiExcludeController()
@Controller('admin/login/totp')
export class AdminTotpController {
  constructor(
    private readonly startEnrolment: StartTotpEnrolment,
    private readonly confirmEnrolment: ConfirmTotpEnrolment,
    private readonly verify: VerifyTotpLogin,
  ) {}

  @Get()
  async page(@Req() req: Request, @Res() res: Response) {
    const admin = req.session?.admin;
    if (admin?.stage === 'in') return res.redirect(303, '/admin');
    if (!admin) return res.redirect(303, '/admin/login');
    try {
      await this.render(res, admin, {});
    } catch (error) {
      if (isStaleLogin(error)) return this.restart(req, res);
      throw error;
    }
  }

  @Post()
  @Throttle(LOGIN_THROTTLE)
  async submit(@Req() req: Request, @Res() res: Response, @Body() body: unknown) {
    const admin = req.session?.admin;
    if (!admin || admin.stage === 'in') return res.redirect(303, '/admin/login');
    const form = admin.stage === 'totp_enrolment' ? codeForm : loginCodeForm;
    const parsed = form.safeParse(fields(body, 'code'));
    if (!parsed.success) return this.render(res, admin, firstErrors(parsed.error), 400);
    let maintainer: MaintainerIdentity;
    let recoveryCodes: string[] | undefined;
    try {
      if (admin.stage === 'totp_enrolment') {
        ({ maintainer, recoveryCodes } = await this.confirmEnrolment.execute(
          admin.maintainerId,
          parsed.data.code,
          req.ip,
        ));
      } else {
        maintainer = await this.verify.execute(admin.maintainerId, parsed.data.code, req.ip);
      }
    } catch (error) {
      if (error instanceof DomainError && error.field)
        return this.render(res, admin, { [error.field]: error.message }, 401);
      if (isStaleLogin(error)) return this.restart(req, res);
      throw error;
    }
    await beginAdminSession(req, { maintainerId: maintainer.id, stage: 'in' });
    if (!recoveryCodes) return res.redirect(303, '/admin');
    // Rendered, not redirected: the codes exist in clear only in this response, never in the
    // session or a log, so no later visit can show them again.
    res.setHeader('Cache-Control', 'no-store');
    res
      .status(200)
      .render('admin/recovery-codes', { title: 'Your recovery codes', admin: maintainer, codes: recoveryCodes });
  }

  private async restart(req: Request, res: Response) {
    await endSession(req);
    res.redirect(303, '/admin/login');
  }

  private async render(res: Response, admin: AdminSession, errors: object, status = 200) {
    const enrolment = admin.stage === 'totp_enrolment' ? await this.startEnrolment.execute(admin.maintainerId) : null;
    res.status(status).render('admin/totp', {
      title: enrolment ? 'Set up your authenticator app' : 'Enter your code',
      enrolment,
      errors,
    });
  }
}
