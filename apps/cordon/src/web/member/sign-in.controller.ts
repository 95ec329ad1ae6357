import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { SETTINGS, Settings } from '@cordon/config';
import { OpenMemberSession, RequestMemberLink } from '@cordon/membership';
import { MemberLinkGuard, MemberLinkRequest } from './member-link.strategy';
import { fields, firstErrors, linkForm } from './member-forms';
import { beginMemberSession, endMemberSession, memberSessionOf } from './member-session';

/** Public forms are throttled per client address: a few tries a minute is plenty for a person. */
export const MEMBER_FORM_THROTTLE = { default: { limit: 10, ttl: 60_000 } };

/**
 * The answer to a link request takes at least this long, member or not: sealing a mail takes
 * time a non-member's request does not, and the difference must not tell who is a member.
 */
const LINK_ANSWER_MS = 1_000;

/**
 * Member sign-in without passwords (docs/architecture.md, "Member self-service"): ask for a link with an
 * address, get it encrypted to the member's key, follow it (a page with a button, then a POST that
 * uses it up), and a short member session opens. Sign out ends it.
 */
@ApiExcludeController()
@Controller('member')
export class MemberSignInController {
  constructor(
    private readonly requestLink: RequestMemberLink,
    private readonly openSession: OpenMemberSession,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  @Get()
  page(
    @Req() req: Request,
    @Res() res: Response,
    @Query('expired') expired?: string,
    @Query('signedOut') signedOut?: string,
  ) {
    if (memberSessionOf(req)) return res.redirect(303, '/member/home');
    this.render(res, {}, {}, 200, { expired: expired === '1', signedOut: signedOut === '1' });
  }

  @Post('link')
  @HttpCode(200)
  @Throttle(MEMBER_FORM_THROTTLE)
  async link(@Body() body: unknown, @Res() res: Response) {
    const values = fields(body, 'email');
    const parsed = linkForm.safeParse(values);
    if (!parsed.success) return this.render(res, values, firstErrors(parsed.error), 400);
    const started = Date.now();
    await this.requestLink.execute(parsed.data.email);
    const left = LINK_ANSWER_MS - (Date.now() - started);
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
    res.render('member/link-sent', {
      title: 'Check your mail',
      email: parsed.data.email,
      minutes: this.settings.MEMBER_LINK_TTL_MINUTES,
    });
  }

  /** A page with a button, not a GET that acts: mail scanners that prefetch links must not use it up. */
  @Get('sign-in/:token')
  confirmPage(@Param('token') token: string, @Res() res: Response) {
    res.render('member/sign-in-confirm', {
      title: 'Sign in',
      action: `/member/sign-in/${encodeURIComponent(token)}`,
      minutes: this.settings.MEMBER_SESSION_TTL_MINUTES,
    });
  }

  /** The link was used up by the 'member-link-session' strategy (member-link.strategy.ts). */
  @Post('sign-in/:token')
  @Throttle(MEMBER_FORM_THROTTLE)
  @UseGuards(MemberLinkGuard)
  async signIn(@Req() req: MemberLinkRequest, @Res() res: Response) {
    await beginMemberSession(req, req.memberLink!.memberId, this.settings.MEMBER_SESSION_TTL_MINUTES);
    res.redirect(303, '/member/home');
  }

  @Post('logout')
  async logout(@Req() req: Request, @Res() res: Response) {
    const session = memberSessionOf(req);
    if (session) await this.openSession.close(session.memberId);
    await endMemberSession(req);
    res.clearCookie(this.settings.secureCookies ? '__Host-cordon' : 'cordon', { path: '/' });
    res.redirect(303, '/member?signedOut=1');
  }

  private render(res: Response, values: object, errors: object, status = 200, notices: object = {}) {
    res.status(status).render('member/sign-in', {
      title: 'Member sign-in',
      values,
      errors,
      minutes: this.settings.MEMBER_LINK_TTL_MINUTES,
      ...notices,
    });
  }
}
