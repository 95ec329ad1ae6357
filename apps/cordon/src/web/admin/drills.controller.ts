import { Controller, Get, Inject, Param, ParseIntPipe, Post, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { SETTINGS, Settings } from '@cordon/config';
import { DomainError } from '@cordon/errors';
import { DRILL_KEY_WARNING_DAYS, DrillReports, StartDrill } from '@cordon/relay';
import { AdminUser, CurrentMaintainer, MaintainerSessionGuard } from './auth';

/**
 * Fire drills (issue 14): the drills with their answer rates and a button that starts the next
 * (one runs at a time); one drill's report: who answered (when, how), whose copy failed or could
 * not be sealed, whose key expires within DRILL_KEY_WARNING_DAYS, and, once it ended, who never
 * answered.
 */
@ApiExcludeController()
@UseGuards(MaintainerSessionGuard)
@Controller('admin/drills')
export class AdminDrillsController {
  constructor(
    private readonly reports: DrillReports,
    private readonly startDrill: StartDrill,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  @Get()
  async list(@CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    await this.renderList(res, admin, {});
  }

  @Post()
  async start(@CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    try {
      const { number } = await this.startDrill.execute(admin.id);
      res.redirect(303, `/admin/drills/${number}`);
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind !== 'conflict') throw error;
      await this.renderList(res, admin, { form: error.message }, 409);
    }
  }

  @Get(':number')
  async show(
    @Param('number', new ParseIntPipe({ errorHttpStatusCode: 404 })) number: number,
    @CurrentMaintainer() admin: AdminUser,
    @Res() res: Response,
  ) {
    const report = await this.reports.get(number);
    res.render('admin/drill', {
      title: `Drill ${report.number}`,
      admin,
      report,
      answered: report.participants.filter((p) => p.answeredAt),
      copyFailed: report.participants.filter((p) => p.copy === 'failed' || p.copy === 'not_sent'),
      keysExpiring: report.participants.filter((p) => p.keyExpiresSoon),
      neverAnswered: report.participants.filter((p) => p.neverAnswered),
      waiting: report.status === 'running' ? report.participants.filter((p) => !p.answeredAt) : [],
      keyWarningDays: DRILL_KEY_WARNING_DAYS,
    });
  }

  private async renderList(res: Response, admin: AdminUser, errors: Record<string, string>, status = 200) {
    res.status(status).render('admin/drills', {
      title: 'Fire drills',
      admin,
      drills: await this.reports.list(),
      hours: this.settings.DRILL_HOURS,
      errors,
    });
  }
}
