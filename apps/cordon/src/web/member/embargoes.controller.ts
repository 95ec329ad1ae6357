import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { DateAnswers, EmbargoQueries } from '@cordon/embargo';
import { DomainError } from '@cordon/errors';
import { MemberAccount } from '@cordon/membership';
import { CurrentMember, MemberUser } from './current-member.decorator';
import { answerForm, fields, firstErrors } from './member-forms';
import { MemberSessionGuard } from './member-session.guard';

/**
 * The running embargoes, each with the member's answer to its proposed date (accept or object,
 * with a comment). Embargoes are embargoed information: only a member that receives list mail
 * (active, current policy acknowledged) sees them.
 */
@ApiExcludeController()
@UseGuards(MemberSessionGuard)
@Controller('member/embargoes')
export class MemberEmbargoesController {
  constructor(
    private readonly account: MemberAccount,
    private readonly embargoes: EmbargoQueries,
    private readonly answers: DateAnswers,
  ) {}

  @Get()
  async page(@CurrentMember() member: MemberUser, @Res() res: Response, @Query('answered') answered?: string) {
    await this.render(res, member, {}, 200, answered);
  }

  @Post(':id/answer')
  async answer(
    @CurrentMember() member: MemberUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: unknown,
    @Res() res: Response,
  ) {
    const values = fields(body, 'answer', 'comment');
    const parsed = answerForm.safeParse(values);
    const form = { id, values };
    if (!parsed.success) return this.render(res, member, { ...form, errors: firstErrors(parsed.error) }, 400);
    try {
      await this.answers.answer(member.id, id, parsed.data);
    } catch (error) {
      if (!(error instanceof DomainError) || !['invalid', 'conflict'].includes(error.kind)) throw error;
      const status = error.kind === 'invalid' ? 400 : 409;
      return this.render(res, member, { ...form, errors: { [error.field ?? 'answer']: error.message } }, status);
    }
    res.redirect(303, `/member/embargoes?answered=${id}#embargo-${id}`);
  }

  /** `failed` is the one form that was refused: its values and errors are shown beside it. */
  private async render(
    res: Response,
    member: MemberUser,
    failed: { id?: string; values?: object; errors?: object },
    status = 200,
    answered?: string,
  ) {
    const account = await this.account.view(member.id);
    if (!account) throw new DomainError('NOT_AUTHENTICATED', 'Your session has ended. Ask for a new link.');
    const mayRead = account.status === 'active' && account.acknowledgedCurrent;
    const embargoes = mayRead ? await this.embargoes.list('active') : [];
    const own = mayRead ? await this.answers.ofMember(member.id) : new Map();
    res.status(status).render('member/embargoes', {
      title: 'Embargo dates',
      member,
      section: 'embargoes',
      account,
      mayRead,
      embargoes: embargoes.map((embargo) => ({ embargo, answer: own.get(embargo.id) ?? null })),
      failed,
      answered: embargoes.some((e) => e.id === answered) ? answered : null,
    });
  }
}
