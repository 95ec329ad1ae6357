import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SETTINGS, Settings } from '@cordon/config';
import { Outbox } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { ReportContent } from './report-content';
import { reportReference, ReportRecords } from './report-records';
import { Report } from './report.entity';

/** What the reporter is told; `text` goes only inside the encryption. */
export interface ReporterMessage {
  /** Kept with the queued mail and in the audit log: `report.acknowledged`, … */
  purpose: string;
  subject: string;
  text: string;
}

/**
 * Everything Cordon mails a reporter (issue 13, "The reporter's private page"). With a key the
 * reporter gave, the message itself goes encrypted to that key alone and signed by the list key,
 * with the link to the reporter's page. Without one (or once that key can no longer be encrypted
 * to) only a plain notice goes, carrying the link and nothing of the report: the content stays
 * behind the link (docs/architecture.md, invariant 1).
 */
@Injectable()
export class ReporterMail {
  private readonly logger = new Logger('reports');

  constructor(
    private readonly outbox: Outbox,
    private readonly records: ReportRecords,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /** The reporter's page, as every mail to it carries it. */
  link(report: Report): string {
    return accessLink(this.settings.publicUrl, this.records.accessToken(report));
  }

  async tell(
    manager: EntityManager,
    report: Report,
    content: ReportContent,
    message: ReporterMessage,
  ): Promise<'encrypted' | 'plain'> {
    const link = this.link(report);
    if (content.reporterKey) {
      try {
        await this.outbox.send(manager, {
          purpose: message.purpose,
          to: content.contact,
          recipientKey: content.reporterKey,
          subject: message.subject,
          text: [
            message.text,
            '',
            `Your report's page (${reportReference(report.number)}): ${link}`,
            'Keep this link to yourself: it opens the page without a password.',
          ].join('\n'),
        });
        return 'encrypted';
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        // The key expired or was revoked since: the message stays behind the link.
        this.logger.warn(
          `${message.purpose}: the reporter's key cannot take mail now (${error.code}); a plain notice goes instead`,
        );
      }
    }
    await this.outbox.sendLinkNotice(manager, {
      purpose: message.purpose,
      to: content.contact,
      about: `your vulnerability report ${reportReference(report.number)}`,
      link,
    });
    return 'plain';
  }
}

export function accessLink(publicUrl: string, token: string): string {
  return `${publicUrl}/report/access/${token}`;
}
