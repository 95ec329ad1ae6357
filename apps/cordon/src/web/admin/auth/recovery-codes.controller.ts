import { Body, Controller, Get, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { DomainError } from '@cordon/errors';
import { RecoveryCodesLeft, RegenerateRecoveryCodes } from '@cordon/maintainers';
import { fields } from './auth-forms';
import { AdminUser, CurrentMaintainer } from './current-maintainer.decorator';
import { LOGIN_THROTTLE } from './login.controller';
import { MaintainerSessionGuard } from './maintainer-session.guard';

/**
 * A maintainer's own recovery codes: how many are left, and new ones for a current TOTP code
 * (shown once, in the answer to the form; every earlier code stops working).
 */
@ApiExcludeController()
@UseGuards(MaintainerSessionGuard)
@Controller('admin/recovery-codes')
export class AdminRecoveryCodesController {
  constructor(
    private readonly left: RecoveryCodesLeft,
    private readonly regenerate: RegenerateRecoveryCodes,
  ) {}

  @Get()
  async page(@CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    await this.render(res, admin, {});
  }

  /** Throttled as the login is: the code here is a second factor too. */
  @Post()
  @Throttle(LOGIN_THROTTLE)
  async create(
    @CurrentMaintainer() admin: AdminUser,
    @Req() req: Request,
    @Body() body: unknown,
    @Res() res: Response,
  ) {
    const { code } = fields(body, 'code');
    let codes: string[];
    try {
      codes = await this.regenerate.execute(admin.id, code, req.ip);
    } catch (error) {
      if (error instanceof DomainError && error.field)
        return this.render(res, admin, { [error.field]: error.message }, 401);
      throw error;
    }
    // Rendered, not redirected: the new codes exist in clear only in this response.
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).render('admin/recovery-codes', { title: 'Your recovery codes', admin, codes });
  }

  private async render(res: Response, admin: AdminUser, errors: object, status = 200) {
    res.status(status).render('admin/recovery-codes', {
      title: 'Recovery codes',
      admin,
      left: await this.left.execute(admin.id),
      errors,
    });
  }
}
