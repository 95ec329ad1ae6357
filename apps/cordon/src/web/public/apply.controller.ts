import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { SETTINGS, Settings } from '@cordon/config';
import { DomainError } from '@cordon/errors';
import {
  AnswerInfoRequest,
  ApplicationStatusPage,
  ConfirmApplication,
  FirstMembers,
  InvitationQueries,
  SubmitApplication,
} from '@cordon/membership';
import { Policies } from '@cordon/policy';
import { criteria, FieldErrors, FormValues, parseApplicationForm } from './application-form';
import { UploadRefusal } from './application-upload';
import { z } from 'zod';

/** The invitation a form came through: its link's token, and the address it is bound to. */
interface Invited {
  token: string;
  email: string;
}

/** Public forms are throttled per address: a few tries a minute is plenty for a person. */
const publicFormLimit = { default: { limit: 10, ttl: 60_000 } };

const infoReply = z.object({
  reply: z.string().trim().min(1, 'Write your answer.').max(5000, 'Your answer must be at most 5000 characters.'),
  voucherEmail: z
    .union([z.literal(''), z.email({ error: 'Voucher address must be an e-mail address.' }).max(254)])
    .optional(),
});

@ApiExcludeController()
@Controller('apply')
export class ApplyController {
  constructor(
    private readonly policies: Policies,
    private readonly submit: SubmitApplication,
    private readonly confirm: ConfirmApplication,
    private readonly statusPage: ApplicationStatusPage,
    private readonly answer: AnswerInfoRequest,
    private readonly firstMembers: FirstMembers,
    private readonly invitations: InvitationQueries,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  @Get()
  async form(@Res() res: Response): Promise<void> {
    await this.renderForm(res, {}, {});
  }

  @Post()
  @Throttle(publicFormLimit)
  async apply(@Body() body: Record<string, unknown>, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.submitForm(body, req, res);
  }

  /**
   * A maintainer's invitation (README "Inviting a distributor"): the form filled in with the
   * organisation and the contact address it is bound to. An unknown, used, revoked or expired link
   * gets the one "not valid" page (410) and changes nothing; the link is used up only by applying.
   */
  @Get('invited/:token')
  async invitedForm(@Param('token') token: string, @Res() res: Response): Promise<void> {
    const invited = await this.invitations.forLink(token);
    const values = { organisation: invited.organisation, contactEmail: invited.email };
    await this.renderForm(res, values, {}, 200, { token, email: invited.email });
  }

  @Post('invited/:token')
  @Throttle(publicFormLimit)
  async applyInvited(
    @Param('token') token: string,
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const invited = await this.invitations.forLink(token);
    await this.submitForm(body, req, res, { token, email: invited.email });
  }

  private async submitForm(body: Record<string, unknown>, req: Request, res: Response, invitation?: Invited) {
    const refused = res.locals.uploadRefusal as UploadRefusal | undefined;
    if (refused) {
      // What the parser read before it stopped is shown again; the key file never is.
      const { values } = parseApplicationForm(body ?? {}, undefined, invitation?.token);
      return this.renderForm(res, values, refused.errors, refused.status, invitation);
    }
    const parsed = parseApplicationForm(body ?? {}, req.file?.buffer, invitation?.token);
    if ('errors' in parsed) return this.renderForm(res, parsed.values, parsed.errors, 400, invitation);
    try {
      const { statusToken } = await this.submit.execute(parsed.form);
      res.status(201).render('public/applied', {
        title: 'Application received',
        email: parsed.form.contactEmail,
        statusUrl: `${this.settings.publicUrl}/apply/status/${statusToken}`,
      });
    } catch (error) {
      if (error instanceof DomainError && error.kind === 'invalid') {
        return this.renderForm(res, parsed.values, { [error.field ?? 'form']: error.message }, 400, invitation);
      }
      throw error;
    }
  }

  /** A page with a button, not a GET that acts: mail scanners that prefetch links must not confirm. */
  @Get('confirm/:token')
  confirmPage(@Param('token') token: string, @Res() res: Response): void {
    res.render('public/confirm', {
      title: 'Confirm your application',
      action: `/apply/confirm/${encodeURIComponent(token)}`,
    });
  }

  @Post('confirm/:token')
  @HttpCode(200)
  @Throttle(publicFormLimit)
  async confirmApplication(@Param('token') token: string, @Res() res: Response): Promise<void> {
    const application = await this.confirm.execute(token);
    res.render('public/confirmed', { title: 'Application confirmed', organisation: application.organisation });
  }

  @Get('status/:token')
  async status(@Param('token') token: string, @Res() res: Response): Promise<void> {
    await this.renderStatus(res, token, {}, {});
  }

  @Post('status/:token/reply')
  @Throttle(publicFormLimit)
  async reply(
    @Param('token') token: string,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    const values = { reply: String(body?.reply ?? ''), voucherEmail: String(body?.voucherEmail ?? '') };
    const parsed = infoReply.safeParse(values);
    if (!parsed.success) {
      const errors: FieldErrors = {};
      for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= issue.message;
      return this.renderStatus(res, token, values, errors, 400);
    }
    try {
      await this.answer.execute(token, parsed.data.reply, parsed.data.voucherEmail || undefined);
    } catch (error) {
      if (error instanceof DomainError && error.kind === 'invalid') {
        return this.renderStatus(res, token, values, { [error.field ?? 'reply']: error.message }, 400);
      }
      throw error;
    }
    res.redirect(303, `/apply/status/${encodeURIComponent(token)}`);
  }

  private async renderForm(
    res: Response,
    values: FormValues,
    errors: FieldErrors,
    status = 200,
    invitation?: Invited,
  ): Promise<void> {
    const policy = await this.policies.current();
    res.status(status).render('public/apply', {
      title: 'Apply for membership',
      values,
      errors,
      criteria,
      policy: { version: policy.version, body: policy.body },
      firstMembers: !invitation && (await this.firstMembers.admitted()),
      action: invitation ? `/apply/invited/${encodeURIComponent(invitation.token)}` : '/apply',
      invitedEmail: invitation?.email,
    });
  }

  private async renderStatus(res: Response, token: string, values: object, errors: FieldErrors, status = 200) {
    const view = await this.statusPage.view(token);
    res.status(status).render('public/status', {
      title: 'Your application',
      application: view,
      replyAction: `/apply/status/${encodeURIComponent(token)}/reply`,
      values,
      errors,
    });
  }
}
