import { Body, Controller, Get, Inject, Param, ParseUUIDPipe, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { DateAnswers, EmbargoQueries, SetMemberEmbargoStatus, StatusMatrix } from '@cordon/embargo';
import { SETTINGS, Settings } from '@cordon/config';
import { DomainError } from '@cordon/errors';
import { MemberAccount } from '@cordon/membership';
import { ListAddresses } from '@cordon/relay';
import { CurrentMember, MemberUser } from './current-member.decorator';
import { statusForm, statusInput, statusValues } from './embargo-status-form';
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
    private readonly statuses: StatusMatrix,
    private readonly setStatus: SetMemberEmbargoStatus,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  @Get()
  async page(
    @CurrentMember() member: MemberUser,
    @Res() res: Response,
    @Query('answered') answered?: string,
    @Query('stated') stated?: string,
  ) {
    await this.render(res, member, {}, 200, answered, stated);
  }

  /** The member's status for an embargo whose audience holds it (issue 14): the domain decides who may. */
  @Post(':id/status')
  async status(
    @CurrentMember() member: MemberUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: unknown,
    @Res() res: Response,
  ) {
    const values = fields(body, 'status', 'fixedVersion', 'publishAt', 'timeZone');
    const parsed = statusForm.safeParse(values);
    const form = { id, form: 'status', values };
    if (!parsed.success) return this.render(res, member, { ...form, errors: firstErrors(parsed.error) }, 400);
    try {
      await this.setStatus.execute(id, member.id, statusInput(parsed.data), 'self_service', `member:${member.id}`);
    } catch (error) {
      const status = error instanceof DomainError ? STATUS_OF[error.kind] : undefined;
      if (!status) throw error;
      const field = (error as DomainError).field ?? 'status';
      return this.render(res, member, { ...form, errors: { [field]: (error as DomainError).message } }, status);
    }
    res.redirect(303, `/member/embargoes?stated=${id}#status-${id}`);
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
    failed: { id?: string; form?: string; values?: object; errors?: object },
    status = 200,
    answered?: string,
    stated?: string,
  ) {
    const account = await this.account.view(member.id);
    if (!account) throw new DomainError('NOT_AUTHENTICATED', 'Your session has ended. Ask for a new link.');
    const mayRead = account.status === 'active' && account.acknowledgedCurrent;
    const embargoes = mayRead ? await this.embargoes.list('active') : [];
    const own = mayRead ? await this.answers.ofMember(member.id) : new Map();
    const ids = embargoes.map((e) => e.id);
    const mayState = mayRead ? await this.statuses.embargoesFor(member.id, ids) : new Set<string>();
    const statuses = mayRead ? await this.statuses.ofMember(member.id) : new Map();
    res.status(status).render('member/embargoes', {
      title: 'Embargo dates',
      member,
      section: 'embargoes',
      account,
      mayRead,
      embargoes: embargoes.map((embargo) => ({
        embargo,
        answer: own.get(embargo.id) ?? null,
        mayState: mayState.has(embargo.id),
        status: statuses.get(embargo.id) ?? null,
        statusValues: statusValues(statuses.get(embargo.id) ?? null, embargo.timeZone),
      })),
      failed,
      answered: embargoes.some((e) => e.id === answered) ? answered : null,
      stated: embargoes.some((e) => e.id === stated) ? stated : null,
      ackAddress: new ListAddresses(this.settings.LIST_ADDRESS).ack,
    });
  }
}

/** The status a refused status form is shown again with, by the domain error's kind. */
const STATUS_OF: Partial<Record<DomainError['kind'], number>> = { invalid: 400, conflict: 409, forbidden: 403 };
