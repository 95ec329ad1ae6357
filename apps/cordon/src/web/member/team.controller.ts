import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import type { Response } from 'express';
import { DomainError } from '@cordon/errors';
import { RegisterTeamMember, RemindTeamMember, TeamQueries, WithdrawTeamMember } from '@cordon/membership';
import { Policies } from '@cordon/policy';
import { CurrentMember, MemberUser } from './current-member.decorator';
import { fields, firstErrors, teamForm } from './member-forms';
import { MemberSessionGuard } from './member-session.guard';
import { MEMBER_FORM_THROTTLE } from './sign-in.controller';

/**
 * The people in a member's team who need to know (issue 5): register one (name, address, key; a
 * one-time link goes to them, encrypted to their key), see who has acknowledged which version,
 * send a fresh link, withdraw someone.
 */
@ApiExcludeController()
@UseGuards(MemberSessionGuard)
@Controller('member/team')
export class MemberTeamController {
  constructor(
    private readonly policies: Policies,
    private readonly team: TeamQueries,
    private readonly register: RegisterTeamMember,
    private readonly withdraw: WithdrawTeamMember,
    private readonly remind: RemindTeamMember,
  ) {}

  @Get()
  async page(@CurrentMember() member: MemberUser, @Res() res: Response, @Query('done') done?: string) {
    const notice = ['registered', 'withdrawn', 'reminded'].includes(done ?? '') ? done : null;
    await this.render(res, member, {}, {}, 200, notice);
  }

  @Post()
  @Throttle(MEMBER_FORM_THROTTLE)
  async add(@CurrentMember() member: MemberUser, @Body() body: unknown, @Res() res: Response) {
    const values = fields(body, 'name', 'email', 'key');
    const parsed = teamForm.safeParse(values);
    if (!parsed.success) return this.render(res, member, values, firstErrors(parsed.error), 400);
    try {
      await this.register.execute(member.id, parsed.data);
    } catch (error) {
      if (!(error instanceof DomainError) || !['invalid', 'conflict'].includes(error.kind)) throw error;
      const status = error.kind === 'invalid' ? 400 : 409;
      return this.render(res, member, values, { [error.field ?? 'form']: error.message }, status);
    }
    res.redirect(303, '/member/team?done=registered');
  }

  @Post(':id/withdraw')
  async remove(@CurrentMember() member: MemberUser, @Param('id', ParseUUIDPipe) id: string, @Res() res: Response) {
    await this.withdraw.execute(member.id, id);
    res.redirect(303, '/member/team?done=withdrawn');
  }

  @Post(':id/remind')
  @Throttle(MEMBER_FORM_THROTTLE)
  async again(@CurrentMember() member: MemberUser, @Param('id', ParseUUIDPipe) id: string, @Res() res: Response) {
    await this.remind.execute(member.id, id);
    res.redirect(303, '/member/team?done=reminded');
  }

  private async render(
    res: Response,
    member: MemberUser,
    values: object,
    errors: object,
    status = 200,
    notice: string | null = null,
  ) {
    const policy = await this.policies.current();
    const people = await this.team.ofMember(member.id, policy.version);
    res.status(status).render('member/team', {
      title: 'Your team',
      member,
      section: 'team',
      policy: { version: policy.version, sha256: policy.sha256 },
      current: people.filter((p) => !p.withdrawnAt),
      withdrawn: people.filter((p) => p.withdrawnAt),
      values,
      errors,
      notice,
    });
  }
}
