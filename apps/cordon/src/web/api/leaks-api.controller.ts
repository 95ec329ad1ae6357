import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ConfirmLeak, DismissLeakReport, FileLeakReport, LeakReportQueries, LeakReportStatus } from '@cordon/embargo';
import { StatusFilterDto } from './api-dtos';
import { ApiTokenGuard, CurrentApiMaintainer } from './auth';
import { ConfirmLeakReportDto, DismissLeakReportDto, FileLeakReportDto } from './leaks-api-dtos';

@ApiTags('leaks')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api/leaks')
export class LeaksApiController {
  constructor(
    private readonly queries: LeakReportQueries,
    private readonly fileReport: FileLeakReport,
    private readonly dismissReport: DismissLeakReport,
    private readonly confirmLeak: ConfirmLeak,
  ) {}

  /** Leak reports: open ones first, oldest first; then the triaged ones. `status`: open, dismissed, confirmed. */
  @Get()
  async list(@Query() query: StatusFilterDto) {
    return { leakReports: await this.queries.list(query.status as LeakReportStatus | undefined) };
  }

  @Get(':id')
  async get(@Param('id', ParseUUIDPipe) id: string) {
    return this.queries.get(id);
  }

  /** Files a report as this maintainer; every active maintainer is told, encrypted. */
  @Post()
  async file(@Body() dto: FileLeakReportDto, @CurrentApiMaintainer() maintainer: { id: string }) {
    const { id } = await this.fileReport.execute(
      {
        embargoId: dto.embargoId ?? null,
        whatLeaked: dto.whatLeaked,
        leakedTo: dto.leakedTo,
        leakedAt: dto.leakedAt ? new Date(dto.leakedAt) : null,
        evidence: dto.evidence ?? '',
        selfReported: dto.selfReported,
        suspectedMemberId: dto.suspectedMemberId ?? null,
      },
      { kind: 'maintainer', maintainerId: maintainer.id },
    );
    return this.queries.get(id);
  }

  /** Not a leak, or not one that can be attributed. Triage is final: a second one is a 409. */
  @Post(':id/dismiss')
  @HttpCode(200)
  async dismiss(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: DismissLeakReportDto,
    @CurrentApiMaintainer() maintainer: { id: string },
  ) {
    await this.dismissReport.execute(id, dto.reason, maintainer.id);
    return this.queries.get(id);
  }

  /**
   * Attributes the leak to a member: a strike. At LEAK_STRIKE_THRESHOLD strikes the member is
   * removed for good (`memberRemoved`), its pending list mail stops, and it cannot apply again.
   */
  @Post(':id/confirm')
  @HttpCode(200)
  async confirm(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: ConfirmLeakReportDto,
    @CurrentApiMaintainer() maintainer: { id: string },
  ) {
    const result = await this.confirmLeak.execute(id, dto.memberId, dto.reason, maintainer.id, {
      embargoBroken: dto.embargoBroken === true,
    });
    return {
      ...(await this.queries.get(id)),
      strikes: result.strikes,
      strikeThreshold: result.threshold,
      memberRemoved: result.removed,
      // How many members of the embargo's audience were told it is broken (issue 14).
      membersTold: result.membersTold,
    };
  }
}
