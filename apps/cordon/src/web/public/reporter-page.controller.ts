import { Body, Controller, Get, Inject, Param, ParseUUIDPipe, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { SETTINGS, Settings } from '@cordon/config';
import { DomainError } from '@cordon/errors';
import { AnswerPublicDate, ReporterReply, ReportQueries, SetCredit } from '@cordon/reports';
import { sendReportFile } from '../http/report-file-download';
import { UploadRefusal } from './application-upload';
import { ReporterLinkGuard, ReporterLinkRequest } from './reporter-link.strategy';
import { creditForm, dateAnswerForm, DATE_COMMENT_MAX, postedFields, REPLY_MAX, replyForm } from './reporter-forms';
import { beginReporterSession } from './reporter-session';
import { CurrentReport, ReporterSessionGuard } from './reporter-session.guard';
import { REPORT_FORM_THROTTLE } from './report.controller';
import { firstErrors } from './report-form';
import { ATTACHMENTS_FIELD, mebibytes, uploadedFiles } from './report-upload';
import { reporterPageOf } from './reporter-page-view';

type Errors = Partial<Record<string, string>>;

/** What the page says after each of its forms, by the `done` query parameter it redirects with. */
const NOTICES = {
  reply: 'Your message was sent to the maintainers.',
  date: 'Your answer to the proposed date was sent to the maintainers.',
  credit: 'Your credit choice is saved.',
} as const;
type Done = keyof typeof NOTICES;

const STATUS_PATH = '/report/status';

/**
 * The reporter's private page (issue 13, "The reporter's private page"): the capability link opens
 * a short session (a passport strategy, as every sign-in: docs/architecture.md, "Sign-in"), and the
 * page then shows the report's status, the messages both ways, the proposed public date with agree
 * / object, and the credit. Each form posts, and comes back here with a notice (POST/redirect/GET).
 * The link's token never stays in the address bar after the redirect, and no page here sends a
 * Referer (security-headers.ts) or may be cached (configure-http.ts).
 */
@ApiExcludeController()
@Controller('report')
export class ReporterPageController {
  constructor(
    private readonly queries: ReportQueries,
    private readonly reply: ReporterReply,
    private readonly answerDate: AnswerPublicDate,
    private readonly setCredit: SetCredit,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /** The link was checked by the 'reporter-link' strategy (reporter-link.strategy.ts). */
  @Get('access/:token')
  @Throttle(REPORT_FORM_THROTTLE)
  @UseGuards(ReporterLinkGuard)
  async access(@Req() req: ReporterLinkRequest, @Res() res: Response): Promise<void> {
    await beginReporterSession(req, req.reporterLink!.reportId, this.settings.MEMBER_SESSION_TTL_MINUTES);
    res.redirect(303, STATUS_PATH);
  }

  @Get('status')
  @UseGuards(ReporterSessionGuard)
  async page(@CurrentReport() reportId: string, @Query('done') done: string | undefined, @Res() res: Response) {
    const notice = done && Object.hasOwn(NOTICES, done) ? NOTICES[done as Done] : null;
    await this.render(res, reportId, {}, {}, 200, notice);
  }

  @Post('status/reply')
  @Throttle(REPORT_FORM_THROTTLE)
  @UseGuards(ReporterSessionGuard)
  async sendReply(
    @CurrentReport() reportId: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const values = postedFields(body, ['text']);
    const refused = res.locals.uploadRefusal as UploadRefusal | undefined;
    if (refused) return this.render(res, reportId, values, refused.errors, refused.status);
    await this.act(res, reportId, values, replyForm, 'reply', (form) =>
      this.reply.execute(reportId, form.text, uploadedFiles(req, ATTACHMENTS_FIELD)),
    );
  }

  @Post('status/date')
  @Throttle(REPORT_FORM_THROTTLE)
  @UseGuards(ReporterSessionGuard)
  async dateAnswer(@CurrentReport() reportId: string, @Body() body: unknown, @Res() res: Response): Promise<void> {
    const values = postedFields(body, ['answer', 'comment']);
    await this.act(res, reportId, values, dateAnswerForm, 'date', (form) =>
      this.answerDate.execute(reportId, form.answer, form.comment),
    );
  }

  @Post('status/credit')
  @Throttle(REPORT_FORM_THROTTLE)
  @UseGuards(ReporterSessionGuard)
  async credit(@CurrentReport() reportId: string, @Body() body: unknown, @Res() res: Response): Promise<void> {
    const values = postedFields(body, ['creditName', 'creditConsent']);
    await this.act(res, reportId, values, creditForm, 'credit', (form) =>
      this.setCredit.execute(reportId, form.creditName, form.creditConsent === 'yes'),
    );
  }

  /** A file from the report's history, only ever a download (report-file-download.ts): never rendered here. */
  @Get('status/attachments/:id')
  @UseGuards(ReporterSessionGuard)
  async attachment(
    @CurrentReport() reportId: string,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => new DomainError('NOT_FOUND', 'There is no such file.') }))
    id: string,
    @Res() res: Response,
  ): Promise<void> {
    sendReportFile(res, await this.queries.attachment(reportId, id, true));
  }

  /** Checks a form, runs its use case, and comes back to the page; a refusal is shown beside its field. */
  private async act<T extends z.ZodType>(
    res: Response,
    reportId: string,
    values: Record<string, string>,
    schema: T,
    done: Done,
    run: (form: z.infer<T>) => Promise<void>,
  ): Promise<void> {
    const parsed = schema.safeParse(values);
    if (!parsed.success) return this.render(res, reportId, values, firstErrors(parsed.error), 400);
    try {
      await run(parsed.data);
    } catch (error) {
      if (!(error instanceof DomainError) || (error.kind !== 'invalid' && error.kind !== 'too_large')) throw error;
      const status = error.kind === 'too_large' ? 413 : 400;
      return this.render(res, reportId, values, { [error.field ?? done]: error.message }, status);
    }
    res.redirect(303, `${STATUS_PATH}?done=${done}`);
  }

  private async render(
    res: Response,
    reportId: string,
    values: Record<string, string>,
    errors: Errors,
    status = 200,
    notice: string | null = null,
  ): Promise<void> {
    const view = reporterPageOf(await this.queries.reporterView(reportId));
    res.status(status).render('public/report-status', {
      title: `Your report ${view.reference}`,
      report: view,
      values,
      errors,
      notice,
      replyMax: REPLY_MAX,
      commentMax: DATE_COMMENT_MAX,
      maxSize: mebibytes(this.settings.REPORT_MAX_BYTES),
    });
  }
}
