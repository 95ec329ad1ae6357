import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { Outbox } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { messageText } from '../report-content';
import { reportReference, ReportRecords } from '../report-records';
import { Report } from '../report.entity';
import { ProposedDates } from '../proposed-dates';

/**
 * The reporter agrees to the proposed public date, or objects to it (issue 13: the date is agreed
 * by maintainers, the reporter and distributors). An objection needs a word on why; either answer
 * is recorded, shown on both pages, and the maintainers are told.
 */
@Injectable()
export class AnswerPublicDate {
  constructor(
    private readonly dataSource: DataSource,
    private readonly records: ReportRecords,
    private readonly dates: ProposedDates,
    private readonly outbox: Outbox,
    private readonly audit: AuditLog,
  ) {}

  async execute(reportId: string, answer: 'agreed' | 'objected', comment: string, now = new Date()): Promise<void> {
    if (answer !== 'agreed' && answer !== 'objected') {
      throw new DomainError('INVALID_INPUT', 'Agree to the date or object to it.', 'answer');
    }
    const words =
      answer === 'objected'
        ? messageText(comment, 'comment', 5000, 'Say why the date does not suit you, and which would.')
        : (comment ?? '').trim()
          ? messageText(comment, 'comment', 5000)
          : '';
    await this.dataSource.transaction(async (manager) => {
      const report = await this.records.forUpdate(manager, reportId);
      const proposed = await this.dates.of(manager, report);
      if (!proposed) throw new DomainError('WRONG_STATE', 'No public date has been proposed yet.');
      if (report.closedAt) throw new DomainError('WRONG_STATE', `This report is ${report.status}.`);
      await manager.update(Report, report.id, {
        reporterDateAnswer: answer,
        reporterDateAnsweredAt: now,
        updatedAt: now,
      });
      await this.records.addEvent(
        manager,
        report.id,
        {
          kind: 'date_answered',
          actor: 'reporter',
          shownToReporter: true,
          body: { answer, text: words || undefined, publicAt: proposed.at.toISOString(), timeZone: proposed.timeZone },
        },
        now,
      );
      const reference = reportReference(report.number);
      await this.audit.append(manager, {
        actor: 'reporter',
        action: 'report.date_answered',
        subject: `report:${report.id}`,
        details: { reference, answer, publicAt: proposed.at.toISOString() },
      });
      await this.outbox.sendToMaintainers(manager, {
        purpose: 'report.date_answered',
        subject: `The reporter of ${reference} ${answer === 'agreed' ? 'agrees to' : 'objects to'} the public date`,
        text: [
          `The reporter of ${reference} ${answer === 'agreed' ? 'agrees to' : 'objects to'} the proposed public date, ${proposed.at.toISOString()} (${proposed.timeZone}).`,
          ...(words ? ['', words] : []),
        ].join('\n'),
      });
    });
  }
}
