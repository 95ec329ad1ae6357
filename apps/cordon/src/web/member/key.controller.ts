import { Body, Controller, Get, HttpCode, Param, Post, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import type { Response } from 'express';
import { DomainError } from '@cordon/errors';
import { ConfirmMemberKey, MemberAccount, ProposeMemberKey } from '@cordon/membership';
import { CurrentMember, MemberUser } from './current-member.decorator';
import { fields, firstErrors, keyForm } from './member-forms';
import { MemberSessionGuard } from './member-session.guard';
import { MEMBER_FORM_THROTTLE } from './sign-in.controller';

/**
 * Replacing the member's key: upload it (the key policy applies, with a user ID for the member's
 * address); a link is mailed encrypted to the new key, and only following it makes the key the
 * member's. Until then the old key stays in use.
 */
@ApiExcludeController()
@UseGuards(MemberSessionGuard)
@Controller('member/key')
export class MemberKeyController {
  constructor(
    private readonly account: MemberAccount,
    private readonly propose: ProposeMemberKey,
  ) {}

  @Get()
  async page(@CurrentMember() member: MemberUser, @Res() res: Response) {
    await this.render(res, member, {}, {});
  }

  @Post()
  @HttpCode(200)
  @Throttle(MEMBER_FORM_THROTTLE)
  async upload(@CurrentMember() member: MemberUser, @Body() body: unknown, @Res() res: Response) {
    const values = fields(body, 'key');
    const parsed = keyForm.safeParse(values);
    if (!parsed.success) return this.render(res, member, values, firstErrors(parsed.error), 400);
    try {
      const { fingerprint } = await this.propose.execute(member.id, parsed.data.key);
      res.render('member/key-sent', { title: 'Check your mail', member, section: 'key', fingerprint });
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind !== 'invalid') throw error;
      return this.render(res, member, values, { [error.field ?? 'key']: error.message }, 400);
    }
  }

  private async render(res: Response, member: MemberUser, values: object, errors: object, status = 200) {
    const account = await this.account.view(member.id);
    if (!account) throw new DomainError('NOT_AUTHENTICATED', 'Your session has ended. Ask for a new link.');
    res.status(status).render('member/key', { title: 'Your key', member, section: 'key', account, values, errors });
  }
}

/**
 * The page behind the link mailed encrypted to a proposed key. It needs no session: following the
 * link is the proof (the session may well have ended by the time the mail is read).
 */
@ApiExcludeController()
@Controller('member/key/confirm')
export class MemberKeyConfirmController {
  constructor(private readonly confirm: ConfirmMemberKey) {}

  @Get(':token')
  async page(@Param('token') token: string, @Res() res: Response) {
    const proposal = await this.confirm.preview(token);
    res.render('member/key-confirm', {
      title: 'Confirm your new key',
      proposal,
      action: `/member/key/confirm/${encodeURIComponent(token)}`,
    });
  }

  @Post(':token')
  @HttpCode(200)
  @Throttle(MEMBER_FORM_THROTTLE)
  async use(@Param('token') token: string, @Res() res: Response) {
    const confirmed = await this.confirm.execute(token);
    res.render('member/key-confirmed', { title: 'Your new key is in use', confirmed });
  }
}
