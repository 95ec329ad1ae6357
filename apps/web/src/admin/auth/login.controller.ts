import { Body, Controller, Get, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { SETTINGS, Settings } from '@cordon/config';
import { DomainError } from '@cordon/errors';
import { AuthenticatePassword, RecordLogout } from '@cordon/maintainers';
import { firstErrors } from '../admin-forms';
import { beginAdminSession, endSession } from './admin-session';
import { fields, loginForm } from './auth-forms';

/**
 * Login throttle per client address (req.ip, as TRUST_PROXY decides it), in front of the slow-down
 * per (account, address) pair that the maintainers lib keeps in the database (LOGIN_MAX_ATTEMPTS).
 */
export const LOGIN_THROTTLE = { default: { limit: 10, ttl: 60_000 } };

/** Step one of the admin login (address and password), and logout. The home page is home.controller.ts. */
@ApiExcludeController()
@Controller('admin')
export class AdminLoginController {
  constructor(
    private readonly authenticate: AuthenticatePassword,
    private readonly recordLogout: RecordLogout,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  @Get('login')
  loginPage(@Req() req: Request, @Res() res: Response, @Query('enrolled') enrolled?: string) {
    if (req.session?.admin?.stage === 'in') return res.redirect(303, '/admin');
    this.render(res, {}, {}, 200, enrolled === '1');
  }

  @Post('login')
  @Throttle(LOGIN_THROTTLE)
  async login(@Req() req: Request, @Res() res: Response, @Body() body: unknown) {
    const form = fields(body, 'email', 'password');
    const values = { email: form.email }; // the password is never sent back
    const parsed = loginForm.safeParse(form);
    if (!parsed.success) return this.render(res, values, firstErrors(parsed.error), 400);
    try {
      const accepted = await this.authenticate.execute(parsed.data.email, parsed.data.password, req.ip);
      await beginAdminSession(req, { maintainerId: accepted.maintainerId, stage: accepted.next });
    } catch (error) {
      if (error instanceof DomainError && error.field)
        return this.render(res, values, { [error.field]: error.message }, 401);
      throw error;
    }
    res.redirect(303, '/admin/login/totp');
  }

  @Post('logout')
  async logout(@Req() req: Request, @Res() res: Response) {
    const admin = req.session?.admin;
    if (admin?.stage === 'in') await this.recordLogout.execute(admin.maintainerId);
    await endSession(req);
    res.clearCookie(this.settings.secureCookies ? '__Host-cordon' : 'cordon', { path: '/' });
    res.redirect(303, '/admin/login');
  }

  private render(res: Response, values: object, errors: object, status = 200, enrolled = false) {
    res.status(status).render('admin/login', { title: 'Maintainer login', values, errors, enrolled });
  }
}
