import { Body, Controller, Get, Post, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import type { Response } from 'express';
import { EmbargoQueries, FileLeakReport } from '@cordon/embargo';
import { DomainError } from '@cordon/errors';
import { MemberAccount } from '@cordon/membership';
import {
  firstLeakErrors,
  LeakFormErrors,
  LeakFormValues,
  leakFormValues,
  leakInputOf,
  maintainerLeakForm,
} from '../public/leak-report-form';
import { CurrentMember, MemberUser } from './current-member.decorator';
import { MemberSessionGuard } from './member-session.guard';
import { MEMBER_FORM_THROTTLE } from './sign-in.controller';

/** The maintainers' form without the suspect: a member reports what leaked, not whom to blame. */
const memberLeakForm = maintainerLeakForm.omit({ suspectedMemberId: true });

/**
 * A member reports a leak (docs/architecture.md: "A member who leaks (or learns of a leak) must tell the
 * maintainers at once what leaked and to whom"): which embargo, what, to whom, when, evidence,
 * whether it leaked it itself. A suspended member must still report, so it may; the embargo list
 * is shown only to a member that may read the embargoes.
 */
@ApiExcludeController()
@UseGuards(MemberSessionGuard)
@Controller('member/leaks')
export class MemberLeaksController {
  constructor(
    private readonly account: MemberAccount,
    private readonly embargoes: EmbargoQueries,
    private readonly fileReport: FileLeakReport,
  ) {}

  @Get()
  async form(@CurrentMember() member: MemberUser, @Res() res: Response) {
    await this.render(res, member, {}, {});
  }

  @Post()
  @Throttle(MEMBER_FORM_THROTTLE)
  async file(@CurrentMember() member: MemberUser, @Body() body: Record<string, unknown>, @Res() res: Response) {
    const values = leakFormValues(memberLeakForm, body);
    const parsed = memberLeakForm.safeParse(values);
    if (!parsed.success) return this.render(res, member, values, firstLeakErrors(parsed.error), 400);
    try {
      const input = leakInputOf({ ...parsed.data, suspectedMemberId: '' });
      const { id } = await this.fileReport.execute(input, { kind: 'member', memberId: member.id });
      res.status(201).render('member/leak-filed', {
        title: 'Leak report received',
        member,
        section: 'leaks',
        reference: id,
      });
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind !== 'invalid') throw error;
      return this.render(res, member, values, { [error.field ?? 'form']: error.message }, 400);
    }
  }

  private async render(
    res: Response,
    member: MemberUser,
    values: LeakFormValues,
    errors: LeakFormErrors,
    status = 200,
  ) {
    const account = await this.account.view(member.id);
    if (!account) throw new DomainError('NOT_AUTHENTICATED', 'Your session has ended. Ask for a new link.');
    const mayRead = account.status === 'active' && account.acknowledgedCurrent;
    const embargoes = mayRead ? await this.embargoes.list('active') : [];
    res.status(status).render('member/leak', {
      title: 'Report a leak',
      member,
      section: 'leaks',
      embargoes: embargoes.map((e) => ({ id: e.id, label: `${e.tag}: ${e.title}` })),
      values,
      errors,
    });
  }
}
