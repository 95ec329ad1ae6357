import { Injectable } from '@nestjs/common';
import { DomainError } from '@cordon/errors';
import { messageText } from '../report-content';
import { assertMove } from './report-transitions';
import { TriageStep } from './triage-step';

/** A reason this short cannot be the detailed reason a reporter is owed. */
export const MIN_REJECT_REASON = 10;

/**
 * A maintainer rejects a report that is not a vulnerability (issue 13: "rejects a
 * non-vulnerability with a detailed reason"): the report closes and the reason goes to the reporter.
 */
@Injectable()
export class RejectReport {
  constructor(private readonly triage: TriageStep) {}

  async execute(reportId: string, maintainerId: string, reason: string, now = new Date()): Promise<void> {
    const text = messageText(reason, 'reason', 20_000, 'Give the reporter the reason.');
    if (text.length < MIN_REJECT_REASON) {
      throw new DomainError(
        'INVALID_INPUT',
        `Explain the decision to the reporter: at least ${MIN_REJECT_REASON} characters.`,
        'reason',
      );
    }
    return this.triage.run(reportId, maintainerId, now, async (context) => {
      assertMove(context.report, 'reject', context.reference);
      await this.triage.moveTo(context, 'rejected', text);
      await context.audit('rejected', { status: 'rejected' });
      await context.tell({
        purpose: 'report.rejected',
        subject: `Your vulnerability report ${context.reference}`,
        text: [
          `The project's maintainers have looked into your report ${context.reference} and do not treat it as a vulnerability. Their reason:`,
          '',
          text,
          '',
          'The report is closed. If you think something was missed, you are welcome to file a new report with more detail.',
          'Thank you for taking the time to report it.',
        ].join('\n'),
      });
    });
  }
}
