import { Injectable } from '@nestjs/common';
import { DomainError } from '@cordon/errors';
import { formatPublicMoment, publicMoment } from '@cordon/embargo';
import { Report } from '../report.entity';
import { assertOpen } from './report-transitions';
import { TriageStep } from './triage-step';

/**
 * A maintainer proposes the date the issue becomes public, for the reporter to agree to or object
 * to (issue 13: the date is agreed by maintainers, the reporter and distributors). A new date
 * clears the reporter's answer to the last one. Once the report is accepted its date is the
 * embargo's, which keeps the embargo's rules (only later, with a reason, within the limit): it is
 * changed by extending the embargo, not here.
 */
@Injectable()
export class ProposePublicDate {
  constructor(private readonly triage: TriageStep) {}

  async execute(
    reportId: string,
    maintainerId: string,
    date: { publicAt: string; timeZone: string },
    now = new Date(),
  ): Promise<void> {
    const at = publicMoment(date?.publicAt, date?.timeZone);
    if (at.getTime() <= now.getTime()) {
      throw new DomainError('INVALID_INPUT', 'The public date must be in the future.', 'publicAt');
    }
    return this.triage.run(reportId, maintainerId, now, async (context) => {
      const { report, manager } = context;
      assertOpen(report, context.reference, 'it has no public date to agree.');
      if (report.status === 'accepted') {
        throw new DomainError(
          'WRONG_STATE',
          `${context.reference} is accepted: its public date is its embargo's now. Extend the embargo to move it.`,
        );
      }
      await manager.update(Report, report.id, {
        proposedPublicAt: at,
        proposedTimeZone: date.timeZone,
        reporterDateAnswer: null,
        reporterDateAnsweredAt: null,
        updatedAt: now,
      });
      await context.event('date_proposed', true, { publicAt: at.toISOString(), timeZone: date.timeZone });
      await context.audit('date_proposed', { publicAt: at.toISOString(), timeZone: date.timeZone });
      await context.tell({
        purpose: 'report.date_proposed',
        subject: `Your vulnerability report ${context.reference}`,
        text: [
          `The project's maintainers propose to make the issue of your report ${context.reference} public on ${formatPublicMoment(at, date.timeZone)}.`,
          '',
          'Please agree to the date, or object to it and say which would suit you, on the report’s page.',
        ].join('\n'),
      });
    });
  }
}
