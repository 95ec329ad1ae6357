import { Body, Controller, Get, HttpCode, Param, Post, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import type { Response } from 'express';
import { z } from 'zod';
import { DomainError } from '@cordon/errors';
import { ConfirmMemberEmail, MemberAccount, ProposeMemberEmail } from '@cordon/membership';
import { CurrentMember, MemberUser } from './current-member.decorator';
import { email, fields, firstErrors } from './member-forms';
import { MemberSessionGuard } from './member-session.guard';
import { MEMBER_FORM_THROTTLE } from './sign-in.controller';

const addressForm = z.object({
  email: email('the new address'),
  /** Only when the stored key lacks the new address: the same key with a user ID for it added. */
  key: z
    .string()
    .trim()
    .max(64 * 1024, 'The key must be at most 64 KB.'),
});

/**
 * Changing the member's contact address (issue 11): the new address must be on the member's key
 * (the updated key can be pasted with it) and nobody else's on the list; a link is mailed there, encrypted to the member's key, and only
 * following it moves list mail to it. Until then mail keeps going to the old address.
 */
@ApiExcludeController()
@UseGuards(MemberSessionGuard)
@Controller('member/address')
export class MemberAddressController {
  constructor(
    private readonly account: MemberAccount,
    private readonly propose: ProposeMemberEmail,
  ) {}

  @Get()
  async page(@CurrentMember() member: MemberUser, @Res() res: Response) {
    await this.render(res, member, {}, {});
  }

  @Post()
  @HttpCode(200)
  @Throttle(MEMBER_FORM_THROTTLE)
  async submit(@CurrentMember() member: MemberUser, @Body() body: unknown, @Res() res: Response) {
    const values = fields(body, 'email', 'key');
    const parsed = addressForm.safeParse(values);
    if (!parsed.success) return this.render(res, member, values, firstErrors(parsed.error), 400);
    try {
      const { email: to } = await this.propose.execute(member.id, parsed.data.email, parsed.data.key);
      res.render('member/address-sent', { title: 'Check your mail', member, section: 'address', to });
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind !== 'invalid') throw error;
      return this.render(res, member, values, { [error.field ?? 'email']: error.message }, 400);
    }
  }

  private async render(res: Response, member: MemberUser, values: object, errors: object, status = 200) {
    const account = await this.account.view(member.id);
    if (!account) throw new DomainError('NOT_AUTHENTICATED', 'Your session has ended. Ask for a new link.');
    const pending = await this.propose.pending(member.id);
    res.status(status).render('member/address', {
      title: 'Your address',
      member,
      section: 'address',
      account,
      pending: pending ? { email: pending.email, proposedAt: pending.proposedAt.toISOString() } : null,
      values,
      errors,
    });
  }
}

/**
 * The page behind the link mailed to the new address. It needs no session: following the link is
 * the proof, and the mail may well be read in another browser.
 */
@ApiExcludeController()
@Controller('member/address/confirm')
export class MemberAddressConfirmController {
  constructor(private readonly confirm: ConfirmMemberEmail) {}

  @Get(':token')
  async page(@Param('token') token: string, @Res() res: Response) {
    const change = await this.confirm.preview(token);
    res.render('member/address-confirm', {
      title: 'Confirm your new address',
      change,
      action: `/member/address/confirm/${encodeURIComponent(token)}`,
    });
  }

  @Post(':token')
  @HttpCode(200)
  @Throttle(MEMBER_FORM_THROTTLE)
  async use(@Param('token') token: string, @Res() res: Response) {
    const confirmed = await this.confirm.execute(token);
    res.render('member/address-confirmed', { title: 'Your new address is in use', confirmed });
  }
}
