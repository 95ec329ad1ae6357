import { Body, Controller, Get, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { DomainError } from '@cordon/errors';
import { AcknowledgeCurrentPolicy, MemberAccount, TeamQueries } from '@cordon/membership';
import { CurrentMember, MemberUser } from './current-member.decorator';
import { acknowledgeForm, fields } from './member-forms';
import { MemberSessionGuard } from './member-session.guard';

/**
 * The member's own page: its status and key, the current Embargo Policy (text, SHA-256, a button
 * to acknowledge it), every acknowledgement it made, and which version each team member agreed to.
 */
@ApiExcludeController()
@UseGuards(MemberSessionGuard)
@Controller('member')
export class MemberHomeController {
  constructor(
    private readonly account: MemberAccount,
    private readonly team: TeamQueries,
    private readonly acknowledge: AcknowledgeCurrentPolicy,
  ) {}

  @Get('home')
  async home(@CurrentMember() member: MemberUser, @Res() res: Response, @Query('acknowledged') acknowledged?: string) {
    await this.render(res, member, {}, 200, acknowledged === '1');
  }

  @Post('policy/acknowledge')
  async acknowledgePolicy(@CurrentMember() member: MemberUser, @Body() body: unknown, @Res() res: Response) {
    const parsed = acknowledgeForm.safeParse(fields(body, 'version'));
    if (!parsed.success) return this.render(res, member, { version: 'Reload the page and try again.' }, 400);
    try {
      await this.acknowledge.execute(member.id, parsed.data.version);
    } catch (error) {
      if (!(error instanceof DomainError) || !['invalid', 'conflict'].includes(error.kind)) throw error;
      return this.render(res, member, { version: error.message }, error.kind === 'invalid' ? 400 : 409);
    }
    res.redirect(303, '/member/home?acknowledged=1');
  }

  private async render(res: Response, member: MemberUser, errors: object, status = 200, acknowledged = false) {
    const account = await this.account.view(member.id);
    if (!account) throw new DomainError('NOT_AUTHENTICATED', 'Your session has ended. Ask for a new link.');
    const team = await this.team.ofMember(member.id, account.policy.version);
    res.status(status).render('member/home', {
      title: 'Your membership',
      member,
      section: 'home',
      account,
      team: team.filter((person) => !person.withdrawnAt),
      errors,
      acknowledged,
    });
  }
}
