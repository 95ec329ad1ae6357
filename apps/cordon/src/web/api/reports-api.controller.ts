import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Res, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import {
  AcceptReport,
  AcknowledgeReport,
  AskReporter,
  AssignHandler,
  CommentOnReport,
  MarkDuplicate,
  MessageParty,
  ProposePublicDate,
  RejectReport,
  ReportDetail,
  ReportQueries,
} from '@cordon/reports';
import { sendReportFile } from '../http/report-file-download';
import { ApiTokenGuard, CurrentApiMaintainer } from './auth';
import {
  AcceptReportDto,
  AskReporterDto,
  AssignHandlerDto,
  MarkDuplicateDto,
  ProposePublicDateDto,
  RejectReportDto,
  ReportCommentDto,
  ReportMessageDto,
} from './reports-api-dtos';

type Maintainer = { id: string };

/** A report as the API gives it: everything the admin page shows; the reporter's key by its fingerprint. */
function withoutKey(report: ReportDetail) {
  const { reporterKey: _key, ...content } = report.content;
  return { ...report, content };
}

/**
 * Private vulnerability reports (docs/architecture.md, flow "Report"): the queue with both clocks,
 * one report with its history, its files, and every triage step the admin page has. Each step
 * answers with the report as it is after it; a step its state does not allow is a 409 problem.
 */
@ApiTags('reports')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@ApiNotFoundResponse({ description: 'There is no such report (RFC 9457 problem)' })
@Controller('api/reports')
export class ReportsApiController {
  constructor(
    private readonly queries: ReportQueries,
    private readonly acknowledgeReport: AcknowledgeReport,
    private readonly askReporter: AskReporter,
    private readonly acceptReport: AcceptReport,
    private readonly rejectReport: RejectReport,
    private readonly markDuplicate: MarkDuplicate,
    private readonly assignHandler: AssignHandler,
    private readonly commentOnReport: CommentOnReport,
    private readonly proposePublicDate: ProposePublicDate,
    private readonly messageParty: MessageParty,
  ) {}

  /** The queue: open reports first (oldest first, they are due first), then the rest, newest first. */
  @Get()
  async list() {
    return { reports: await this.queries.queue() };
  }

  @Get(':id')
  async get(@Param('id', ParseUUIDPipe) id: string) {
    return this.detail(id);
  }

  /** A file of the report or of its history, as opaque bytes to download. */
  @Get(':id/attachments/:fileId')
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'The file, as given by the reporter (Content-Disposition: attachment)' })
  async attachment(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('fileId', ParseUUIDPipe) fileId: string,
    @Res() res: Response,
  ) {
    sendReportFile(res, await this.queries.attachment(id, fileId, false));
  }

  /** The first answer to a new report; the reporter is told, and the acknowledgement clock stops. */
  @Post(':id/acknowledge')
  @HttpCode(200)
  @ApiConflictResponse({ description: 'The report is not new (RFC 9457 problem)' })
  async acknowledge(@Param('id', ParseUUIDPipe) id: string, @CurrentApiMaintainer() maintainer: Maintainer) {
    await this.acknowledgeReport.execute(id, maintainer.id);
    return this.detail(id);
  }

  /** Asks the reporter for more information: the report needs information until it answers. */
  @Post(':id/ask')
  @HttpCode(200)
  @ApiConflictResponse({ description: 'The report is decided (RFC 9457 problem)' })
  async ask(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: AskReporterDto,
    @CurrentApiMaintainer() maintainer: Maintainer,
  ) {
    await this.askReporter.execute(id, maintainer.id, dto.question);
    return this.detail(id);
  }

  /**
   * Accepts the report: an embargo is made from it (its versions, the reporter's credit if it agreed,
   * its business-day limit counted from the report's date), linked as `embargo`; the reporter is told.
   */
  @Post(':id/accept')
  @HttpCode(200)
  @ApiConflictResponse({ description: 'The report is decided (RFC 9457 problem)' })
  async accept(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: AcceptReportDto,
    @CurrentApiMaintainer() maintainer: Maintainer,
  ) {
    await this.acceptReport.execute(id, maintainer.id, dto);
    return this.detail(id);
  }

  /** Rejects the report; the reason goes to the reporter. */
  @Post(':id/reject')
  @HttpCode(200)
  @ApiConflictResponse({ description: 'The report is decided (RFC 9457 problem)' })
  async reject(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: RejectReportDto,
    @CurrentApiMaintainer() maintainer: Maintainer,
  ) {
    await this.rejectReport.execute(id, maintainer.id, dto.reason);
    return this.detail(id);
  }

  /** Marks the report a duplicate of another (`of`: REP-n or its id); the reporter is told. */
  @Post(':id/duplicate')
  @HttpCode(200)
  @ApiConflictResponse({ description: 'The report is decided (RFC 9457 problem)' })
  async duplicate(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: MarkDuplicateDto,
    @CurrentApiMaintainer() maintainer: Maintainer,
  ) {
    await this.markDuplicate.execute(id, maintainer.id, dto.of);
    return this.detail(id);
  }

  /** Names the maintainer who handles the report, or nobody (null). */
  @Post(':id/handler')
  @HttpCode(200)
  @ApiConflictResponse({ description: 'The report is closed (RFC 9457 problem)' })
  async handler(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: AssignHandlerDto,
    @CurrentApiMaintainer() maintainer: Maintainer,
  ) {
    await this.assignHandler.execute(id, maintainer.id, dto.handlerId);
    return this.detail(id);
  }

  /** An internal comment, kept sealed in the history; never shown to the reporter. */
  @Post(':id/comments')
  async comment(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: ReportCommentDto,
    @CurrentApiMaintainer() maintainer: Maintainer,
  ) {
    await this.commentOnReport.execute(id, maintainer.id, dto.text);
    return this.detail(id);
  }

  /** Proposes the public date to the reporter, who agrees or objects on its page. */
  @Post(':id/public-date')
  @HttpCode(200)
  @ApiConflictResponse({
    description: 'The report is closed, or accepted: extend its embargo instead (RFC 9457 problem)',
  })
  async publicDate(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: ProposePublicDateDto,
    @CurrentApiMaintainer() maintainer: Maintainer,
  ) {
    await this.proposePublicDate.execute(id, maintainer.id, { publicAt: dto.publicAt, timeZone: dto.timeZone });
    return this.detail(id);
  }

  /**
   * Writes to the reporter, or to a named outside party encrypted to the key given (nothing is sent
   * without a usable one), signed by the list key; kept in the history.
   */
  @Post(':id/messages')
  async message(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: ReportMessageDto,
    @CurrentApiMaintainer() maintainer: Maintainer,
  ) {
    const to =
      dto.to === 'reporter'
        ? { kind: 'reporter' as const }
        : { kind: 'outsider' as const, name: dto.name ?? '', email: dto.email ?? '', key: dto.key ?? '' };
    await this.messageParty.execute(id, maintainer.id, to, dto.text);
    return this.detail(id);
  }

  private async detail(id: string) {
    return withoutKey(await this.queries.detail(id));
  }
}
