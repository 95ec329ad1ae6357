import { Injectable } from '@nestjs/common';
import { assertMove } from './report-transitions';
import { TriageStep } from './triage-step';

/**
 * A maintainer acknowledges a new report (issue 13: "acknowledges each within 3 business days"):
 * the acknowledgement clock stops, and the reporter is told its report is being looked at.
 */
@Injectable()
export class AcknowledgeReport {
  constructor(private readonly triage: TriageStep) {}

  async execute(reportId: string, maintainerId: string, now = new Date()): Promise<void> {
    return this.triage.run(reportId, maintainerId, now, async (context) => {
      assertMove(context.report, 'acknowledge', context.reference);
      await this.triage.moveTo(context, 'acknowledged');
      await context.audit('acknowledged', { status: 'acknowledged' });
      await context.tell({
        purpose: 'report.acknowledged',
        subject: `Your vulnerability report ${context.reference}`,
        text: [
          `The project's maintainers have acknowledged your report ${context.reference}.`,
          '',
          'They are looking into it, and will write to you on its page as their work goes on.',
          'Please keep the issue private meanwhile.',
        ].join('\n'),
      });
    });
  }
}
