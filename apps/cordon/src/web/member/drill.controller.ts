import { Body, Controller, Get, HttpCode, Post, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import type { Response } from 'express';
import { z } from 'zod';
import { DomainError } from '@cordon/errors';
import { AnswerDrill, DrillReports } from '@cordon/relay';
import { CurrentMember, MemberUser } from './current-member.decorator';
import { fields } from './member-forms';
import { MemberSessionGuard } from './member-session.guard';
import { MEMBER_FORM_THROTTLE } from './sign-in.controller';

const drillForm = z.object({ number: z.string().regex(/^[1-9][0-9]{0,8}$/, 'Choose the drill you answer.') });

/**
 * Fire drills (issue 14): the running drills sent to this member, each with a button that answers
 * it ("I received drill <n>"), or when and how it was answered. An answer for any other drill
 * changes nothing and is refused beside the list.
 */
@ApiExcludeController()
@UseGuards(MemberSessionGuard)
@Controller('member/drill')
export class MemberDrillController {
  constructor(
    private readonly drills: DrillReports,
    private readonly answers: AnswerDrill,
  ) {}

  @Get()
  async page(@CurrentMember() member: MemberUser, @Res() res: Response) {
    await this.render(res, member, null);
  }

  @Post()
  @HttpCode(200)
  @Throttle(MEMBER_FORM_THROTTLE)
  async answer(@CurrentMember() member: MemberUser, @Body() body: unknown, @Res() res: Response) {
    const parsed = drillForm.safeParse(fields(body, 'number'));
    if (!parsed.success) return this.render(res, member, 'Choose the drill you answer.', 400);
    try {
      await this.answers.execute(member.id, Number(parsed.data.number), 'self_service');
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'NOT_FOUND') throw error;
      return this.render(res, member, error.message, 404);
    }
    res.redirect(303, `/member/drill?answered=${parsed.data.number}`);
  }

  private async render(res: Response, member: MemberUser, error: string | null, status = 200) {
    res.status(status).render('member/drill', {
      title: 'Fire drill',
      member,
      section: 'drill',
      drills: await this.drills.forMember(member.id),
      errors: error ? { form: error } : {},
    });
  }
}
