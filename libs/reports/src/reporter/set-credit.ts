import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { DomainError } from '@cordon/errors';
import { checkedContent } from '../report-content';
import { reportReference, ReportRecords } from '../report-records';
import { Report } from '../report.entity';

/**
 * The reporter says how it is credited (issue 13: "credited only with permission and under the name
 * they choose"): a name, and whether it agrees to be credited at all. Consent without a name is
 * refused. Once an embargo was made from the report, the maintainers carry the change into it.
 */
@Injectable()
export class SetCredit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly records: ReportRecords,
    private readonly audit: AuditLog,
  ) {}

  async execute(reportId: string, creditName: string, consent: boolean, now = new Date()): Promise<void> {
    if (typeof consent !== 'boolean')
      throw new DomainError('INVALID_INPUT', 'Say whether you agree to be credited.', 'creditConsent');
    await this.dataSource.transaction(async (manager) => {
      const report = await this.records.forUpdate(manager, reportId);
      const content = this.records.content(report);
      const checked = checkedContent({ ...content, creditName });
      if (consent && !checked.creditName) {
        throw new DomainError(
          'INVALID_INPUT',
          'Give the name to credit, or say you do not want to be credited.',
          'creditName',
        );
      }
      await manager.update(Report, report.id, {
        content: this.records.sealContent(report.id, { ...content, creditName: checked.creditName }),
        creditConsent: consent,
        updatedAt: now,
      });
      await this.records.addEvent(
        manager,
        report.id,
        { kind: 'credit', actor: 'reporter', shownToReporter: true, body: { creditName: checked.creditName, consent } },
        now,
      );
      await this.audit.append(manager, {
        actor: 'reporter',
        action: 'report.credit_set',
        subject: `report:${report.id}`,
        // Whether, not under which name: the name is the reporter's to give, and kept sealed.
        details: { reference: reportReference(report.number), consent },
      });
    });
  }
}
