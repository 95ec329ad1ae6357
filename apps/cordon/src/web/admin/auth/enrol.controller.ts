import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import type { Response } from 'express';
import { DomainError } from '@cordon/errors';
import { CompleteEnrolment, OpenEnrolmentLink, PASSWORD_MIN } from '@cordon/maintainers';
import { firstErrors } from '../admin-forms';
import { enrolForm, fields } from './auth-forms';
import { LOGIN_THROTTLE } from './login.controller';

/**
 * The one-time enrolment link printed by `cordon maintainer add`: the new maintainer sets a
 * password, then logs in and sets up TOTP. An unknown, used or expired link is one refusal
 * (LINK_INVALID, 410) from the error filter.
 */
@ApiExcludeController()
@Controller('admin/enrol')
export class AdminEnrolmentController {
  constructor(
    private readonly openLink: OpenEnrolmentLink,
    private readonly complete: CompleteEnrolment,
  ) {}

  @Get(':token')
  async page(@Param('token') token: string, @Res() res: Response) {
    await this.render(res, token, {});
  }

  @Post(':token')
  @Throttle(LOGIN_THROTTLE)
  async submit(@Param('token') token: string, @Body() body: unknown, @Res() res: Response) {
    const parsed = enrolForm.safeParse(fields(body, 'password', 'confirm'));
    if (!parsed.success) return this.render(res, token, firstErrors(parsed.error), 400);
    try {
      await this.complete.execute(token, parsed.data.password);
    } catch (error) {
      if (error instanceof DomainError && error.field)
        return this.render(res, token, { [error.field]: error.message }, 400);
      throw error;
    }
    res.redirect(303, '/admin/login?enrolled=1');
  }

  private async render(res: Response, token: string, errors: object, status = 200) {
    const maintainer = await this.openLink.execute(token);
    res
      .status(status)
      .render('admin/enrol', { title: 'Set your password', maintainer, token, errors, minLength: PASSWORD_MIN });
  }
}
