import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { SETTINGS, Settings } from '@cordon/config';
import { DomainError } from '@cordon/errors';
import { LeaveList } from '@cordon/membership';
import { CurrentMember, MemberUser } from './current-member.decorator';
import { fields, firstErrors, leaveForm } from './member-forms';
import { MemberSessionGuard } from './member-session.guard';
import { endMemberSession } from './member-session';
import { MEMBER_FORM_THROTTLE } from './sign-in.controller';

/**
 * A member leaves the list itself (issue 11): a page that says what leaving means, and a form
 * confirmed by typing the organisation's name. Once it has left, the session ends and the member
 * sees one page saying so; it may apply again later.
 */
@ApiExcludeController()
@Controller('member')
export class MemberLeaveController {
  constructor(
    private readonly leave: LeaveList,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  @Get('leave')
  @UseGuards(MemberSessionGuard)
  page(@CurrentMember() member: MemberUser, @Res() res: Response) {
    this.render(res, member, {}, {});
  }

  @Post('leave')
  @HttpCode(200)
  @UseGuards(MemberSessionGuard)
  @Throttle(MEMBER_FORM_THROTTLE)
  async submit(@CurrentMember() member: MemberUser, @Body() body: unknown, @Req() req: Request, @Res() res: Response) {
    const values = fields(body, 'organisation');
    const parsed = leaveForm.safeParse(values);
    if (!parsed.success) return this.render(res, member, values, firstErrors(parsed.error), 400);
    try {
      await this.leave.execute(member.id, parsed.data.organisation);
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind !== 'invalid') throw error;
      return this.render(res, member, values, { [error.field ?? 'form']: error.message }, 400);
    }
    await endMemberSession(req);
    res.clearCookie(this.settings.secureCookies ? '__Host-cordon' : 'cordon', { path: '/' });
    res.redirect(303, '/member/left');
  }

  /** After leaving: no session any more, so this page needs none and says only what is generic. */
  @Get('left')
  left(@Res() res: Response) {
    res.render('member/left', { title: 'You have left the list' });
  }

  private render(res: Response, member: MemberUser, values: object, errors: object, status = 200) {
    res.status(status).render('member/leave', { title: 'Leave the list', member, section: 'leave', values, errors });
  }
}
