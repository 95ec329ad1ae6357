import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { DomainError } from '@cordon/errors';
import { ListMaintainers, ResetMaintainerTotp } from '@cordon/maintainers';
import { fields } from './auth-forms';
import { AdminUser, CurrentMaintainer } from './current-maintainer.decorator';
import { LOGIN_THROTTLE } from './login.controller';
import { MaintainerSessionGuard } from './maintainer-session.guard';

/**
 * Another maintainer lost its authenticator app: reset it, confirmed with a current code of one's
 * own (ResetMaintainerTotp says what the reset does). The page names the maintainer and what will
 * happen; a refusal (one's own account, a wrong code) is shown there and changes nothing.
 */
@ApiExcludeController()
@UseGuards(MaintainerSessionGuard)
@Controller('admin/maintainers/:id/reset-totp')
export class AdminMaintainerTotpResetController {
  constructor(
    private readonly listMaintainers: ListMaintainers,
    private readonly reset: ResetMaintainerTotp,
  ) {}

  @Get()
  async page(@Param('id', ParseUUIDPipe) id: string, @CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    await this.render(res, admin, id, {});
  }

  /** Throttled as the login is: the code here is a second factor too. */
  @Post()
  @Throttle(LOGIN_THROTTLE)
  async submit(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentMaintainer() admin: AdminUser,
    @Req() req: Request,
    @Body() body: unknown,
    @Res() res: Response,
  ) {
    const { code } = fields(body, 'code');
    try {
      await this.reset.execute({
        maintainer: { id },
        actor: { maintainerId: admin.id, code, clientAddress: req.ip },
      });
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind === 'not_found') throw error;
      const status = error.kind === 'forbidden' ? 403 : error.kind === 'conflict' ? 409 : error.field ? 401 : 400;
      return this.render(
        res,
        admin,
        id,
        error.field ? { [error.field]: error.message } : { form: error.message },
        status,
      );
    }
    await this.render(res, admin, id, {}, 200, true);
  }

  private async render(
    res: Response,
    admin: AdminUser,
    id: string,
    errors: Record<string, string>,
    status = 200,
    done = false,
  ) {
    const target = (await this.listMaintainers.execute()).find((m) => m.id === id);
    if (!target) throw new DomainError('NOT_FOUND', 'There is no such maintainer.');
    res.status(status).render('admin/maintainer-totp-reset', {
      title: `Reset the authenticator of ${target.name}`,
      admin,
      target,
      self: target.id === admin.id,
      done,
      errors,
    });
  }
}
