import { Body, Controller, Get, Param, Post, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { CreateApiToken, CreatedApiToken, ListApiTokens, RevokeApiToken } from '@cordon/maintainers';
import { firstErrors } from '../admin-forms';
import { fields, tokenForm } from './auth-forms';
import { AdminUser, CurrentMaintainer } from './current-maintainer.decorator';
import { MaintainerSessionGuard } from './maintainer-session.guard';

/** A maintainer's own API tokens: make one (shown once), see when each was last used, revoke. */
@ApiExcludeController()
@UseGuards(MaintainerSessionGuard)
@Controller('admin/tokens')
export class AdminTokensController {
  constructor(
    private readonly createToken: CreateApiToken,
    private readonly listTokens: ListApiTokens,
    private readonly revokeToken: RevokeApiToken,
  ) {}

  @Get()
  async list(@CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    await this.render(res, admin);
  }

  @Post()
  async create(@CurrentMaintainer() admin: AdminUser, @Body() body: unknown, @Res() res: Response) {
    const form = fields(body, 'name');
    const parsed = tokenForm.safeParse(form);
    if (!parsed.success) return this.render(res, admin, { values: form, errors: firstErrors(parsed.error) }, 400);
    // Rendered, not redirected: the token exists in clear only in this response.
    res.setHeader('Cache-Control', 'no-store');
    await this.render(res, admin, { created: await this.createToken.execute(admin.id, parsed.data.name) }, 201);
  }

  @Post(':id/revoke')
  async revoke(@CurrentMaintainer() admin: AdminUser, @Param('id') id: string, @Res() res: Response) {
    await this.revokeToken.execute(admin.id, id);
    res.redirect(303, '/admin/tokens');
  }

  private async render(
    res: Response,
    admin: AdminUser,
    page: { created?: CreatedApiToken; values?: object; errors?: object } = {},
    status = 200,
  ) {
    const tokens = await this.listTokens.execute(admin.id);
    res.status(status).render('admin/tokens', { title: 'API tokens', admin, tokens, values: {}, errors: {}, ...page });
  }
}
