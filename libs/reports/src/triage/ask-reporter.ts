import { Injectable } from '@nestjs/common';
import { messageText } from '../report-content';
import { assertMove } from './report-transitions';
import { TriageStep } from './triage-step';

/**
 * A maintainer asks the reporter for more information (issue 13, "Triage"): the report waits for
 * the reporter (needs_information) until it answers on its page (ReporterReply moves it back), and
 * the question goes to the reporter.
 */
@Injectable()
export class AskReporter {
  constructor(private readonly triage: TriageStep) {}

  async execute(reportId: string, maintainerId: string, question: string, now = new Date()): Promise<void> {
    const text = messageText(question, 'question', 20_000, 'Write the question for the reporter.');
    return this.triage.run(reportId, maintainerId, now, async (context) => {
      assertMove(context.report, 'ask', context.reference);
      if (context.report.status !== 'needs_information') await this.triage.moveTo(context, 'needs_information');
      await context.event('message_to_reporter', true, { text });
      await context.audit('asked', { status: 'needs_information' });
      await context.tell({
        purpose: 'report.question',
        subject: `Your vulnerability report ${context.reference}`,
        text: [
          `The project's maintainers have a question about your report ${context.reference}:`,
          '',
          text,
          '',
          'Please answer on the report’s page.',
        ].join('\n'),
      });
    });
  }
}
