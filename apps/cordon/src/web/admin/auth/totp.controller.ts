import { Controller, Get, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { StartTotpEnrolment } from '@cordon/maintainers';
import { beginAdminSession } from './admin-session';
import { LoginStepRequest, MaintainerTotpGuard } from './login-step.guards';
import { LOGIN_THROTTLE } from './login.controller';
import { isStaleLogin } from './sign-in-refusals';
import { renderTotpPage, restartLogin, TotpPageFilter } from './totp-page.filter';

/**
 * Step two of the admin login: the code from the authenticator app (RFC 6238) or a one-time
 * recovery code, or, on the first login, setting the app up from a QR code and confirming it with
 * its first code; that answer shows the maintainer's recovery codes, once. The 'maintainer-totp'
 * strategy checks the answer (maintainer-totp.strategy.ts).
 */
@ApiExcludeController()
@Controller('admin/login/totp')
export class AdminTotpController {
  constructor(private readonly startEnrolment: StartTotpEnrolment) {}

  @Get()
  async page(@Req() req: Request, @Res() res: Response) {
    const admin = req.session?.admin;
    if (admin?.stage === 'in') return res.redirect(303, '/admin');
    if (!admin) return res.redirect(303, '/admin/login');
    try {
      await renderTotpPage(res, admin, {}, this.startEnrolment);
    } catch (error) {
      if (isStaleLogin(error)) return restartLogin(req, res, true);
      throw error;
    }
  }

  @Post()
  @Throttle(LOGIN_THROTTLE)
  @UseGuards(MaintainerTotpGuard)
  @UseFilters(TotpPageFilter)
  async submit(@Req() req: LoginStepRequest, @Res() res: Response) {
    const { maintainer, recoveryCodes } = req.totpAccepted!;
    await beginAdminSession(req, { maintainerId: maintainer.id, stage: 'in' });
    if (!recoveryCodes) return res.redirect(303, '/admin');
    // Rendered, not redirected: the codes exist in clear only in this response, never in the
    // session or a log, so no later visit can show them again.
    res.setHeader('Cache-Control', 'no-store');
    res
      .status(200)
      .render('admin/recovery-codes', { title: 'Your recovery codes', admin: maintainer, codes: recoveryCodes });
  }
}
