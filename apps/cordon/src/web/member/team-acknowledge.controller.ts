import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import type { Response } from 'express';
import { DomainError } from '@cordon/errors';
import { AcknowledgeAsTeamMember } from '@cordon/membership';
import { acknowledgeForm, fields } from './member-forms';
import { MEMBER_FORM_THROTTLE } from './sign-in.controller';

/**
 * The page behind a team member's one-time link: the policy text and its SHA-256, and a button to
 * acknowledge it. GET only shows; the POST uses the link up. Unknown, used or expired: one refusal.
 */
@ApiExcludeController()
@Controller('team/acknowledge')
export class TeamAcknowledgeController {
  constructor(private readonly acknowledge: AcknowledgeAsTeamMember) {}

  @Get(':token')
  async page(@Param('token') token: string, @Res() res: Response) {
    await this.render(res, token, {});
  }

  @Post(':token')
  @HttpCode(200)
  @Throttle(MEMBER_FORM_THROTTLE)
  async agree(@Param('token') token: string, @Body() body: unknown, @Res() res: Response) {
    const parsed = acknowledgeForm.safeParse(fields(body, 'version'));
    if (!parsed.success) return this.render(res, token, { version: 'Reload the page and try again.' }, 400);
    try {
      const page = await this.acknowledge.execute(token, parsed.data.version);
      res.render('member/team-acknowledged', { title: 'Thank you', page });
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind !== 'invalid') throw error;
      return this.render(res, token, { [error.field ?? 'version']: error.message }, 400);
    }
  }

  private async render(res: Response, token: string, errors: object, status = 200) {
    const page = await this.acknowledge.preview(token);
    res.status(status).render('member/team-acknowledge', {
      title: 'Acknowledge the Embargo Policy',
      page,
      errors,
      action: `/team/acknowledge/${encodeURIComponent(token)}`,
    });
  }
}
