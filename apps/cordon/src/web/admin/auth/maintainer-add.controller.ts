import { Body, Controller, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { DomainError } from '@cordon/errors';
import { AddMaintainerAsMaintainer, ListMaintainers } from '@cordon/maintainers';
import { firstErrors } from '../admin-forms';
import type { UploadRefusal } from '../../public/application-upload';
import { AdminUser, CurrentMaintainer } from './current-maintainer.decorator';
import { LOGIN_THROTTLE } from './login.controller';
import { addMaintainerForm, keyFromForm, postedFields } from './maintainer-forms';
import { MaintainerSessionGuard } from './maintainer-session.guard';

/**
 * Adding a maintainer in the admin UI (README "Adding a maintainer"): name, address, key (pasted or
 * a file), and a fresh code from the acting maintainer's authenticator app. Every refusal is shown
 * beside its field on the maintainers page, and nothing is added.
 */
@ApiExcludeController()
@UseGuards(MaintainerSessionGuard)
@Controller('admin/maintainers/add')
export class AdminAddMaintainerController {
  constructor(
    private readonly listMaintainers: ListMaintainers,
    private readonly addMaintainer: AddMaintainerAsMaintainer,
  ) {}

  @Post()
  @HttpCode(200)
  // A code is checked here as at login: the same per-address limit in front of the slow-down.
  @Throttle(LOGIN_THROTTLE)
  async add(
    @Body() body: unknown,
    @CurrentMaintainer() admin: AdminUser,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    // The code is never shown again: a used code is worth nothing, a wrong one should be retyped.
    const values = postedFields(body, ['name', 'email', 'key']);
    const refused = res.locals.uploadRefusal as UploadRefusal | undefined;
    if (refused) return this.render(res, admin, { values, errors: refused.errors }, refused.status);
    const parsed = addMaintainerForm.safeParse(postedFields(body, ['name', 'email', 'key', 'code']));
    if (!parsed.success) return this.render(res, admin, { values, errors: firstErrors(parsed.error) }, 400);
    const keyArmored = keyFromForm(parsed.data.key, req.file?.buffer);
    if (!keyArmored) {
      const errors = { key: 'Paste the new maintainer’s OpenPGP public key or upload it as a file.' };
      return this.render(res, admin, { values, errors }, 400);
    }
    try {
      const added = await this.addMaintainer.execute({
        actingMaintainerId: admin.id,
        code: parsed.data.code,
        clientAddress: req.ip,
        maintainer: { name: parsed.data.name, email: parsed.data.email, keyArmored },
      });
      await this.render(res, admin, { added }, 201);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const status = { invalid: 400, conflict: 409, unauthenticated: 401 } as Record<string, number | undefined>;
      if (!status[error.kind]) throw error;
      const field = error.field ?? (error.code.startsWith('KEY_') ? 'key' : 'form');
      return this.render(res, admin, { values, errors: { [field]: error.message } }, status[error.kind]!);
    }
  }

  private async render(res: Response, admin: AdminUser, add: object, status: number): Promise<void> {
    res.status(status).render('admin/maintainers', {
      title: 'Maintainers',
      admin,
      maintainers: await this.listMaintainers.execute(),
      add,
    });
  }
}
