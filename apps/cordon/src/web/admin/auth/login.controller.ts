import { Controller, Get, Inject, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { SETTINGS, Settings } from '@cordon/config';
import { RecordLogout } from '@cordon/maintainers';
import { beginAdminSession, endSession } from './admin-session';
import { LoginPageFilter, renderLoginPage } from './login-page.filter';
import { LoginStepRequest, MaintainerPasswordGuard } from './login-step.guards';

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
    private readonly recordLogout: RecordLogout,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  @Get('login')
  loginPage(@Req() req: Request, @Res() res: Response, @Query('enrolled') enrolled?: string) {
    if (req.session?.admin?.stage === 'in') return res.redirect(303, '/admin');
    renderLoginPage(res, {}, {}, 200, enrolled === '1');
  }

  /** The password was accepted by the 'maintainer-password' strategy; a fresh session holds the next step. */
  @Post('login')
  @Throttle(LOGIN_THROTTLE)
  @UseGuards(MaintainerPasswordGuard)
  @UseFilters(LoginPageFilter)
  async login(@Req() req: LoginStepRequest, @Res() res: Response) {
    const accepted = req.passwordAccepted!;
    await beginAdminSession(req, { maintainerId: accepted.maintainerId, stage: accepted.next });
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
}
