import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { Outbox } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { AttachmentInput, checkedAttachments, messageText } from '../report-content';
import { reportReference, ReportRecords } from '../report-records';
import { Report } from '../report.entity';

/**
 * The reporter writes on its page (issue 13): an answer to a question, more detail, a file. A
 * report waiting for information goes back to the maintainers (acknowledged); the maintainers are
 * told, encrypted, with the text. A closed report (rejected, duplicate) takes no more messages.
 */
@Injectable()
export class ReporterReply {
  constructor(
    private readonly dataSource: DataSource,
    private readonly records: ReportRecords,
    private readonly outbox: Outbox,
    private readonly audit: AuditLog,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async execute(reportId: string, text: string, attachments: AttachmentInput[], now = new Date()): Promise<void> {
    const message = messageText(text, 'text');
    const files = checkedAttachments(attachments, this.settings.REPORT_MAX_BYTES, Buffer.byteLength(message));
    await this.dataSource.transaction(async (manager) => {
      const report = await this.records.forUpdate(manager, reportId);
      if (report.closedAt) {
        throw new DomainError('WRONG_STATE', `This report is ${report.status}: it takes no more messages.`);
      }
      const eventId = await this.records.addEvent(
        manager,
        report.id,
        { kind: 'reporter_message', actor: 'reporter', shownToReporter: true, body: { text: message } },
        now,
      );
      await this.records.addAttachments(manager, report.id, eventId, files);
      const answered = report.status === 'needs_information';
      if (answered) {
        await manager.update(Report, report.id, { status: 'acknowledged', updatedAt: now });
        await this.records.addEvent(
          manager,
          report.id,
          { kind: 'status', actor: 'reporter', shownToReporter: true, body: { status: 'acknowledged' } },
          now,
        );
      } else {
        await manager.update(Report, report.id, { updatedAt: now });
      }
      const reference = reportReference(report.number);
      await this.audit.append(manager, {
        actor: 'reporter',
        action: 'report.reporter_replied',
        subject: `report:${report.id}`,
        details: { reference, attachments: files.length, answered },
      });
      await this.outbox.sendToMaintainers(manager, {
        purpose: 'report.reporter_replied',
        subject: `The reporter of ${reference} wrote`,
        text: [
          `The reporter of ${reference} wrote${files.length ? ` (with ${files.length} attachment(s))` : ''}:`,
          '',
          message,
          '',
          `${this.settings.publicUrl}/admin/reports/${report.id}`,
        ].join('\n'),
      });
    });
  }
}
