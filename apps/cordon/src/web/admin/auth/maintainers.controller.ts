import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { DomainError } from '@cordon/errors';
import { ChangeMaintainerStanding, ListMaintainers, StandingChange } from '@cordon/maintainers';
import { endSession } from './admin-session';
import { AdminUser, CurrentMaintainer } from './current-maintainer.decorator';
import { MaintainerSessionGuard } from './maintainer-session.guard';

const changes: readonly string[] = ['disable', 'enable', 'remove'];

/**
 * Who may post to the list and run it: disable, enable or remove another maintainer, or step down.
 * A refusal (the last active maintainer, a removed one) is shown on the page and changes nothing.
 */
@ApiExcludeController()
@UseGuards(MaintainerSessionGuard)
@Controller('admin/maintainers')
export class AdminMaintainersController {
  constructor(
    private readonly listMaintainers: ListMaintainers,
    private readonly changeStanding: ChangeMaintainerStanding,
  ) {}

  @Get()
  async list(@CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    await this.render(res, admin);
  }

  @Post(':id/standing')
  async change(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, unknown>,
    @CurrentMaintainer() admin: AdminUser,
    @Res() res: Response,
  ) {
    const change = String(body?.change ?? '');
    if (!changes.includes(change)) return this.render(res, admin, { error: 'Choose disable, enable or remove.' }, 400);
    const refused = await this.attempt(change as StandingChange, id, admin);
    if (refused) return this.render(res, admin, { error: refused.message }, 409);
    res.redirect(303, '/admin/maintainers');
  }

  /** The maintainer disables itself; its session ends with this response. */
  @Post('step-down')
  async stepDown(@CurrentMaintainer() admin: AdminUser, @Req() req: Request, @Res() res: Response) {
    const refused = await this.attempt('step_down', admin.id, admin);
    if (refused) return this.render(res, admin, { error: refused.message }, 409);
    await endSession(req);
    res.redirect(303, '/admin/login');
  }

  private async attempt(change: StandingChange, id: string, admin: AdminUser): Promise<DomainError | null> {
    try {
      await this.changeStanding.execute({ change, maintainer: { id }, actor: `maintainer:${admin.id}` });
      return null;
    } catch (error) {
      if (error instanceof DomainError && error.kind === 'conflict') return error;
      throw error;
    }
  }

  private async render(res: Response, admin: AdminUser, page: { error?: string } = {}, status = 200) {
    res.status(status).render('admin/maintainers', {
      title: 'Maintainers',
      admin,
      maintainers: await this.listMaintainers.execute(),
      ...page,
    });
  }
}
