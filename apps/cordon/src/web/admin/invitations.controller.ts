import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { DomainError } from '@cordon/errors';
import { InvitationQueries, InviteDistributor, IssuedInvitation, RevokeInvitation } from '@cordon/membership';
import { firstErrors } from './admin-forms';
import { AdminUser, CurrentMaintainer, MaintainerSessionGuard } from './auth';

const invitationForm = z.object({
  organisation: z
    .string()
    .trim()
    .min(1, 'The organisation is required.')
    .max(200, 'The organisation must be at most 200 characters.'),
  email: z.email({ error: 'The contact address must be an e-mail address.' }).max(254).trim(),
  note: z.string().trim().max(2000, 'The note must be at most 2000 characters.').optional(),
});

/**
 * "Invite a distributor" (README "Inviting a distributor"): the invitation's link is shown on the
 * page that answers the form, once, for the maintainer to pass on over a channel of its own: the
 * invitee has no key with the list yet, and no mail goes out unencrypted. Never in a redirect's
 * URL, so that it stays out of the history and the logs.
 */
@ApiExcludeController()
@UseGuards(MaintainerSessionGuard)
@Controller('admin/invitations')
export class AdminInvitationsController {
  constructor(
    private readonly invitations: InvitationQueries,
    private readonly invite: InviteDistributor,
    private readonly revoke: RevokeInvitation,
  ) {}

  @Get()
  async list(@Query('done') done: string | undefined, @CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    await this.render(
      res,
      admin,
      {},
      {},
      200,
      done === 'revoked' ? 'The invitation was revoked: its link no longer works.' : undefined,
    );
  }

  @Post()
  async create(@Body() body: Record<string, unknown>, @CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    const values = {
      organisation: String(body?.organisation ?? ''),
      email: String(body?.email ?? ''),
      note: String(body?.note ?? ''),
    };
    const parsed = invitationForm.safeParse(values);
    if (!parsed.success) return this.render(res, admin, values, firstErrors(parsed.error), 400);
    let issued: IssuedInvitation;
    try {
      issued = await this.invite.execute({
        ...parsed.data,
        inviter: { actor: `maintainer:${admin.id}`, name: admin.name },
      });
    } catch (error) {
      if (error instanceof DomainError && ['invalid', 'conflict', 'forbidden'].includes(error.kind)) {
        const status = error.kind === 'conflict' ? 409 : error.kind === 'forbidden' ? 403 : 400;
        return this.render(res, admin, values, { [error.field ?? 'form']: error.message }, status);
      }
      throw error;
    }
    await this.render(res, admin, {}, {}, 201, undefined, issued);
  }

  @Post(':id/revoke')
  async revokeOne(@Param('id', ParseUUIDPipe) id: string, @CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    try {
      await this.revoke.execute(id, `maintainer:${admin.id}`);
    } catch (error) {
      if (error instanceof DomainError && error.kind === 'conflict') {
        return this.render(res, admin, {}, { form: error.message }, 409);
      }
      throw error;
    }
    res.redirect(303, '/admin/invitations?done=revoked');
  }

  private async render(
    res: Response,
    admin: AdminUser,
    values: object,
    errors: object,
    status = 200,
    done?: string,
    issued?: IssuedInvitation,
  ) {
    res.status(status).render('admin/invitations', {
      title: 'Invitations',
      admin,
      values,
      errors,
      done,
      issued,
      invitations: await this.invitations.list(),
    });
  }
}
