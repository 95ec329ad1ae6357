import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EmbargoQueries } from '@cordon/embargo';
import { Report } from './report.entity';

/**
 * The public date a reporter is asked to agree to: the embargo's agreed moment once the report
 * became one (the maintainers move it there), else the date the maintainers proposed on the
 * report; null while there is neither.
 */
@Injectable()
export class ProposedDates {
  constructor(private readonly embargoes: EmbargoQueries) {}

  async of(manager: EntityManager, report: Report): Promise<{ at: Date; timeZone: string } | null> {
    if (report.embargoId) {
      const embargo = await this.embargoes.get(report.embargoId, new Date(), manager);
      return { at: new Date(embargo.publicAt), timeZone: embargo.timeZone };
    }
    if (report.proposedPublicAt && report.proposedTimeZone) {
      return { at: report.proposedPublicAt, timeZone: report.proposedTimeZone };
    }
    return null;
  }
}
