import { Body, Controller, Get, HttpCode, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { DomainError } from '@cordon/errors';
import { ConfirmMaintainerKey, ListMaintainers, ProposeMaintainerKey } from '@cordon/maintainers';
import { firstErrors } from '../admin-forms';
import type { UploadRefusal } from '../../public/application-upload';
import { AdminUser, CurrentMaintainer } from './current-maintainer.decorator';
import { keyFromForm, maintainerKeyForm, postedFields } from './maintainer-forms';
import { MaintainerSessionGuard } from './maintainer-session.guard';

/** Per client address, as the member key forms are limited: each upload costs a key check and a mail. */
const KEY_FORM_THROTTLE = { default: { limit: 10, ttl: 60_000 } };

/**
 * "My key": a maintainer proposes a new key for itself (README "Replacing a maintainer's key"). A
 * link is mailed encrypted to the new key; only following it makes the key the maintainer's, and
 * until then the current key stays the one posts must be signed with.
 */
@ApiExcludeController()
@UseGuards(MaintainerSessionGuard)
@Controller('admin/key')
export class AdminMaintainerKeyController {
  constructor(
    private readonly listMaintainers: ListMaintainers,
    private readonly propose: ProposeMaintainerKey,
  ) {}

  @Get()
  async page(@CurrentMaintainer() admin: AdminUser, @Res() res: Response): Promise<void> {
    await this.render(res, admin, {}, {}, 200);
  }

  @Post()
  @HttpCode(200)
  @Throttle(KEY_FORM_THROTTLE)
  async upload(
    @Body() body: unknown,
    @CurrentMaintainer() admin: AdminUser,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const values = postedFields(body, ['key']);
    const refused = res.locals.uploadRefusal as UploadRefusal | undefined;
    if (refused) return this.render(res, admin, values, refused.errors, refused.status);
    const parsed = maintainerKeyForm.safeParse(values);
    if (!parsed.success) return this.render(res, admin, values, firstErrors(parsed.error), 400);
    const key = keyFromForm(parsed.data.key, req.file?.buffer);
    if (!key) return this.render(res, admin, values, { key: 'Paste your new public key or upload it as a file.' }, 400);
    try {
      const proposed = await this.propose.execute({
        maintainer: { id: admin.id },
        key,
        actor: `maintainer:${admin.id}`,
      });
      res.render('admin/key-sent', { title: 'Check your mail', admin, proposed });
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind !== 'invalid') throw error;
      return this.render(res, admin, values, { key: error.message }, 400);
    }
  }

  private async render(res: Response, admin: AdminUser, values: object, errors: object, status: number) {
    const me = (await this.listMaintainers.execute()).find((m) => m.id === admin.id);
    res.status(status).render('admin/key', { title: 'My key', admin, me, values, errors });
  }
}

/**
 * The page behind the link mailed encrypted to a proposed maintainer key. It needs no session:
 * following the link is the proof (the maintainer may read the mail elsewhere, or not be enrolled
 * yet). GET only shows what would change; the POST, with its CSRF token, changes it.
 */
@ApiExcludeController()
@Controller('admin/key/confirm')
export class AdminMaintainerKeyConfirmController {
  constructor(private readonly confirm: ConfirmMaintainerKey) {}

  @Get(':token')
  async page(@Param('token') token: string, @Res() res: Response): Promise<void> {
    const proposal = await this.confirm.preview(token);
    res.render('admin/key-confirm', {
      title: 'Confirm your new key',
      proposal,
      action: `/admin/key/confirm/${encodeURIComponent(token)}`,
    });
  }

  @Post(':token')
  @HttpCode(200)
  @Throttle(KEY_FORM_THROTTLE)
  async use(@Param('token') token: string, @Res() res: Response): Promise<void> {
    const confirmed = await this.confirm.execute(token);
    res.render('admin/key-confirmed', { title: 'Your new key is in force', confirmed });
  }
}
