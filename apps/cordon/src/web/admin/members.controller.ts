import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { MemberHistory } from '@cordon/embargo';
import { DomainError } from '@cordon/errors';
import { ChangeMemberStatus, MemberAction, MemberQueries, ReattestationQueries } from '@cordon/membership';
import { BounceStreaks } from '@cordon/relay';
import { firstErrors, reasonText } from './admin-forms';
import { AdminUser, CurrentMaintainer, MaintainerSessionGuard } from './auth';
import { historySentence } from './history-sentences';

const statusForm = z.object({
  action: z.enum(['suspend', 'reinstate', 'remove'], { error: 'Choose an action.' }),
  reason: reasonText('A reason'),
});

/** Members: status, key, expiry; suspend, reinstate, remove. */
@ApiExcludeController()
@UseGuards(MaintainerSessionGuard)
@Controller('admin/members')
export class AdminMembersController {
  constructor(
    private readonly members: MemberQueries,
    private readonly changeStatus: ChangeMemberStatus,
    private readonly history: MemberHistory,
    private readonly reattestation: ReattestationQueries,
    private readonly bounces: BounceStreaks,
  ) {}

  @Get()
  async list(@CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    const now = new Date();
    res.render('admin/members', {
      title: 'Members',
      admin,
      members: await this.members.list(),
      reattestation: await this.reattestation.overview(now),
      now,
    });
  }

  @Get(':id')
  async show(@Param('id', ParseUUIDPipe) id: string, @CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    await this.render(res, id, admin, {}, {});
  }

  @Post(':id/status')
  async act(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, unknown>,
    @CurrentMaintainer() admin: AdminUser,
    @Res() res: Response,
  ) {
    const values = { action: String(body?.action ?? ''), reason: String(body?.reason ?? '') };
    const parsed = statusForm.safeParse(values);
    if (!parsed.success) return this.render(res, id, admin, values, firstErrors(parsed.error), 400);
    try {
      await this.changeStatus.execute(id, parsed.data.action as MemberAction, parsed.data.reason, admin.id);
    } catch (error) {
      if (error instanceof DomainError && error.kind === 'conflict') {
        return this.render(res, id, admin, values, { form: error.message }, 409);
      }
      throw error;
    }
    res.redirect(303, `/admin/members/${id}`);
  }

  private async render(res: Response, id: string, admin: AdminUser, values: object, errors: object, status = 200) {
    const member = await this.members.get(id);
    const recorded = await this.history.of(member.id);
    const entries = recorded.entries.map((entry) => ({
      ...entry,
      sentence: historySentence(entry.action, entry.details),
    }));
    const history = { ...recorded, entries };
    const reattestation = await this.reattestation.ofMember(member.id);
    const bounces = await this.bounces.ofMember(member.id);
    res.status(status).render('admin/member', {
      title: member.organisation,
      admin,
      member,
      history,
      reattestation,
      bounces,
      values,
      errors,
    });
  }
}
