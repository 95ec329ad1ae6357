import { Injectable } from '@nestjs/common';
import { messageText } from '../report-content';
import { Report } from '../report.entity';
import { TriageStep } from './triage-step';

/**
 * A maintainer writes an internal comment on a report (issue 13: "internal comments"): kept sealed
 * in its history for the maintainers, never shown to the reporter nor mailed to it.
 */
@Injectable()
export class CommentOnReport {
  constructor(private readonly triage: TriageStep) {}

  async execute(reportId: string, maintainerId: string, text: string, now = new Date()): Promise<void> {
    const comment = messageText(text, 'text', 20_000, 'Write the comment.');
    return this.triage.run(reportId, maintainerId, now, async (context) => {
      await context.manager.update(Report, context.report.id, { updatedAt: now });
      await context.event('comment', false, { text: comment });
      await context.audit('commented');
    });
  }
}
