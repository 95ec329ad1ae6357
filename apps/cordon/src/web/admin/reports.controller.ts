import {
  Body,
  Controller,
  Get,
  Inject,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { SETTINGS, Settings } from '@cordon/config';
import { formatPublicMoment } from '@cordon/embargo';
import { DomainError } from '@cordon/errors';
import { ListMaintainers } from '@cordon/maintainers';
import { ReportQueries } from '@cordon/reports';
import { sendReportFile } from '../http/report-file-download';
import { firstErrors } from './admin-forms';
import { AdminUser, CurrentMaintainer, MaintainerSessionGuard } from './auth';
import { acceptDefaults, adminHistoryLine, attachmentHref, queueRow, REPORT_STATUS_LABELS } from './report-admin-view';
import { DONE_NOTICES, fieldFor, formValues, isReportAction, reportForms } from './report-forms';
import { ReportTriage, TriageStep } from './report-triage';

const statusOf: Partial<Record<DomainError['kind'], number>> = {
  invalid: 400,
  conflict: 409,
  too_large: 413,
  // A public moment on a weekend or a listed holiday (README, PUBLIC_HOLIDAYS): the message offers the next working day.
  unprocessable: 422,
};

/**
 * Vulnerability reports (docs/architecture.md, flow "Report"): the queue with both clocks, and one
 * report with its content, files, history and a form for every triage step. Each step comes back to
 * the report with a notice (303); a refusal the maintainer can act on is shown beside its field.
 */
@ApiExcludeController()
@UseGuards(MaintainerSessionGuard)
@Controller('admin/reports')
export class AdminReportsController {
  constructor(
    private readonly queries: ReportQueries,
    private readonly maintainers: ListMaintainers,
    private readonly triage: ReportTriage,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  @Get()
  async list(@CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    const timeZone = this.settings.PROJECT_TIME_ZONE;
    const reports = (await this.queries.queue()).map((report) => queueRow(report, timeZone));
    res.render('admin/reports', { title: 'Vulnerability reports', admin, reports, timeZone });
  }

  @Get(':id')
  async show(
    @Param('id', ParseUUIDPipe) id: string,
    @Query('done') done: string | undefined,
    @CurrentMaintainer() admin: AdminUser,
    @Res() res: Response,
  ) {
    const notice = done && isReportAction(done) ? DONE_NOTICES[done] : null;
    await this.render(res, id, admin, {}, {}, 200, notice);
  }

  /** A file of the report or of its history, only as a download (report-file-download.ts). */
  @Get(':id/attachments/:fileId')
  async attachment(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('fileId', ParseUUIDPipe) fileId: string,
    @Res() res: Response,
  ) {
    sendReportFile(res, await this.queries.attachment(id, fileId, false));
  }

  @Post(':id/:action')
  async act(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('action') action: string,
    @Body() body: unknown,
    @CurrentMaintainer() admin: AdminUser,
    @Res() res: Response,
  ) {
    if (!isReportAction(action)) throw new NotFoundException();
    const values = formValues(action, body);
    const parsed = reportForms[action].safeParse(values);
    if (!parsed.success) return this.render(res, id, admin, values, firstErrors(parsed.error), 400);
    try {
      await this.triage.run(id, admin.id, { action, form: parsed.data } as TriageStep);
    } catch (error) {
      const status = error instanceof DomainError ? statusOf[error.kind] : undefined;
      if (!(error instanceof DomainError) || !status) throw error;
      return this.render(res, id, admin, values, { [fieldFor(action, error.field, values)]: error.message }, status);
    }
    res.redirect(303, `/admin/reports/${id}?done=${action}#report-status`);
  }

  private async render(
    res: Response,
    id: string,
    admin: AdminUser,
    values: Record<string, string>,
    errors: Record<string, string>,
    status = 200,
    notice: string | null = null,
  ) {
    const timeZone = this.settings.PROJECT_TIME_ZONE;
    const report = await this.queries.detail(id);
    const everyone = await this.maintainers.execute();
    const nameOf = (maintainerId: string) => everyone.find((m) => m.id === maintainerId)?.name;
    // Only an active maintainer can handle a report (AssignHandler).
    const maintainers = everyone.filter((m) => m.status === 'active');
    const row = queueRow(report, timeZone);
    const defaults = acceptDefaults(report, timeZone, this.settings.MAX_EMBARGO_BUSINESS_DAYS);
    const proposedDate =
      report.proposedPublicAt && report.proposedTimeZone
        ? formatPublicMoment(report.proposedPublicAt, report.proposedTimeZone)
        : null;
    res.status(status).render('admin/report', {
      title: `${report.reference}: ${report.component}`,
      admin,
      report,
      row,
      statusLabels: REPORT_STATUS_LABELS,
      open: report.status === 'new' || report.status === 'acknowledged' || report.status === 'needs_information',
      closed: report.status === 'rejected' || report.status === 'duplicate',
      history: report.history.map((item) => adminHistoryLine(report.id, item, timeZone, nameOf)),
      files: report.attachments.map((file) => ({ ...file, href: attachmentHref(report.id, file.id) })),
      maintainers,
      proposedDate,
      values: {
        ...defaults,
        proposedAt: defaults.publicAt,
        proposedTimeZone: defaults.timeZone,
        handlerId: report.handler?.id ?? '',
        partyKind: 'reporter',
        ...values,
      },
      errors,
      notice,
    });
  }
}
