import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import {
  ConfirmLeak,
  DismissLeakReport,
  EmbargoQueries,
  FileLeakReport,
  LeakReportQueries,
  leakReportStatuses,
} from '@cordon/embargo';
import type { LeakReportStatus } from '@cordon/embargo';
import { DomainError } from '@cordon/errors';
import { MemberQueries } from '@cordon/membership';
import {
  firstLeakErrors,
  leakFormValues,
  leakInputOf,
  maintainerLeakForm,
  LeakFormErrors,
  LeakFormValues,
} from '../public/leak-report-form';
import { firstErrors } from './admin-forms';
import { AdminUser, CurrentMaintainer, MaintainerSessionGuard } from './auth';

const reason = z
  .string()
  .trim()
  .min(10, 'Give the reason in at least 10 characters.')
  .max(2000, 'At most 2000 characters.');
const dismissForm = z.object({ reason });
const confirmForm = z.object({
  memberId: z.uuid({ error: 'Choose the member the leak is attributed to.' }),
  reason,
  embargoBroken: z.enum(['', 'yes'], { error: 'Tick the box or leave it empty.' }),
});

const stringsOf = (keys: string[], body: Record<string, unknown> | undefined) =>
  Object.fromEntries(keys.map((key) => [key, typeof body?.[key] === 'string' ? body[key] : '']));

/**
 * Leak reports (docs/architecture.md, flow "Leak"): the queue, open ones first; one report with its triage
 * (dismiss, or confirm and attribute to a member, which is a strike and at the threshold removes
 * the member for good); and a form for a maintainer to file one.
 */
@ApiExcludeController()
@UseGuards(MaintainerSessionGuard)
@Controller('admin/leaks')
export class AdminLeaksController {
  constructor(
    private readonly queries: LeakReportQueries,
    private readonly embargoes: EmbargoQueries,
    private readonly members: MemberQueries,
    private readonly fileReport: FileLeakReport,
    private readonly dismissReport: DismissLeakReport,
    private readonly confirmLeak: ConfirmLeak,
  ) {}

  @Get()
  async list(@Query('status') status: string | undefined, @CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    const shown = leakReportStatuses.includes(status as LeakReportStatus) ? (status as LeakReportStatus) : undefined;
    await this.renderList(res, admin, shown, {}, {});
  }

  @Post()
  async file(@Body() body: Record<string, unknown>, @CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    const values = leakFormValues(maintainerLeakForm, body);
    const parsed = maintainerLeakForm.safeParse(values);
    if (!parsed.success) return this.renderList(res, admin, undefined, values, firstLeakErrors(parsed.error), 400);
    try {
      const { id } = await this.fileReport.execute(leakInputOf(parsed.data), {
        kind: 'maintainer',
        maintainerId: admin.id,
      });
      res.redirect(303, `/admin/leaks/${id}`);
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind !== 'invalid') throw error;
      return this.renderList(res, admin, undefined, values, { [error.field ?? 'form']: error.message }, 400);
    }
  }

  @Get(':id')
  async show(@Param('id', ParseUUIDPipe) id: string, @CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    await this.renderOne(res, id, admin, {}, {});
  }

  @Post(':id/dismiss')
  async dismiss(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, unknown>,
    @CurrentMaintainer() admin: AdminUser,
    @Res() res: Response,
  ) {
    const values = stringsOf(['reason'], body);
    const parsed = dismissForm.safeParse(values);
    if (!parsed.success) {
      return this.renderOne(
        res,
        id,
        admin,
        prefix('dismiss', values),
        prefix('dismiss', firstErrors(parsed.error)),
        400,
      );
    }
    try {
      await this.dismissReport.execute(id, parsed.data.reason, admin.id);
    } catch (error) {
      return this.triageRefused(error, res, id, admin, prefix('dismiss', values), 'dismiss');
    }
    res.redirect(303, `/admin/leaks/${id}`);
  }

  @Post(':id/confirm')
  async confirm(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, unknown>,
    @CurrentMaintainer() admin: AdminUser,
    @Res() res: Response,
  ) {
    const values = stringsOf(['memberId', 'reason', 'embargoBroken'], body);
    const parsed = confirmForm.safeParse(values);
    if (!parsed.success) {
      return this.renderOne(
        res,
        id,
        admin,
        prefix('confirm', values),
        prefix('confirm', firstErrors(parsed.error)),
        400,
      );
    }
    try {
      await this.confirmLeak.execute(id, parsed.data.memberId, parsed.data.reason, admin.id, {
        embargoBroken: parsed.data.embargoBroken === 'yes',
      });
    } catch (error) {
      return this.triageRefused(error, res, id, admin, prefix('confirm', values), 'confirm');
    }
    res.redirect(303, `/admin/leaks/${id}`);
  }

  /** A refusal the maintainer can act on is shown beside the field; anything else goes to the filter. */
  private async triageRefused(
    error: unknown,
    res: Response,
    id: string,
    admin: AdminUser,
    values: LeakFormValues,
    form: 'dismiss' | 'confirm',
  ) {
    if (!(error instanceof DomainError) || !['invalid', 'conflict'].includes(error.kind)) throw error;
    const field = error.kind === 'conflict' ? 'form' : `${form}.${error.field ?? 'reason'}`;
    return this.renderOne(res, id, admin, values, { [field]: error.message }, error.kind === 'invalid' ? 400 : 409);
  }

  private async renderList(
    res: Response,
    admin: AdminUser,
    status: LeakReportStatus | undefined,
    values: LeakFormValues,
    errors: LeakFormErrors,
    code = 200,
  ) {
    const [reports, embargoes, members] = [
      await this.queries.list(status),
      await this.embargoes.list(),
      await this.members.list(),
    ];
    res.status(code).render('admin/leaks', {
      title: 'Leak reports',
      admin,
      reports,
      status: status ?? null,
      statuses: leakReportStatuses,
      embargoes,
      members,
      values,
      errors,
    });
  }

  private async renderOne(
    res: Response,
    id: string,
    admin: AdminUser,
    values: LeakFormValues,
    errors: LeakFormErrors,
    code = 200,
  ) {
    const report = await this.queries.get(id);
    const members = report.status === 'open' ? await this.members.list() : [];
    // The member picker starts at whoever the report points to: the suspect, or a self-reporting member.
    const proposed =
      report.suspected?.memberId ??
      (report.selfReported && report.reporter && 'memberId' in report.reporter ? report.reporter.memberId : '');
    res.status(code).render('admin/leak', {
      title: 'Leak report',
      admin,
      report,
      members,
      values: { 'confirm.memberId': proposed, ...values },
      errors,
    });
  }
}

/** The two triage forms share a page: their fields are told apart by a prefix. */
function prefix(form: string, record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [`${form}.${key}`, value]));
}
