import { Controller, Get, Param, ParseIntPipe, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { DrillReports, StartDrill } from '@cordon/relay';
import { ApiTokenGuard, CurrentApiMaintainer } from './auth';

/** Fire drills (issue 14): start one, list them, read one's report. */
@ApiTags('drills')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api/drills')
export class DrillsApiController {
  constructor(
    private readonly reports: DrillReports,
    private readonly startDrill: StartDrill,
  ) {}

  /** Every drill, the latest first, with its size and answer rate. */
  @Get()
  async list() {
    return { drills: await this.reports.list() };
  }

  /**
   * Starts a drill: a signed test message encrypted to each active member, to answer within
   * DRILL_HOURS. 409 while another drill runs. Answers with the new drill's report.
   */
  @Post()
  async start(@CurrentApiMaintainer() maintainer: { id: string }) {
    const { number } = await this.startDrill.execute(maintainer.id);
    return this.reports.get(number);
  }

  /**
   * Drill `number`'s report: per member its copy (queued, sent, failed, not_sent), its answer (when,
   * how), whether its key expires within 30 days, and, once the drill ended, whether it never answered.
   */
  @Get(':number')
  async get(@Param('number', ParseIntPipe) number: number) {
    return this.reports.get(number);
  }
}
