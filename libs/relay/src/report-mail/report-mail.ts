import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { ListKey, SERVER_SECRET, ServerSecret } from '@cordon/crypto';
import { Outbox } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { FileReport, NewReport } from '@cordon/reports';
import { InboundMessage, InboundQueue, receivedRaw } from '../ingress';
import { isAutomatic } from '../member-mail/non-member-reply';
import { PostRefusal } from '../open/post-refusal';
import { RefusalCode } from '../refusals/refusal-catalogue';
import { newReportFrom } from './report-fields';
import { readReportMessage, ReportMessage } from './report-message';
import { reportRefusalText } from './report-refusals';
import { ReporterKey, reporterKeyOf } from './reporter-key';

/**
 * `<list>-report@` (issue 13, "Intake"): a vulnerability report by mail, from anyone, encrypted to
 * the list key or not. The ingress stored it sealed; here it is opened (ingress/sealed-raw.ts),
 * decrypted when it came encrypted (report-message.ts), and filed with the reports lib's FileReport
 * in the transaction that finishes the inbound message, so it is filed once or not at all. The
 * reporter's answer (its link, encrypted to its key or as a plain notice) is FileReport's.
 *
 * What cannot be filed is refused with a code of the relay's catalogue; its sender gets one plain
 * reply a day at most, saying why in fixed words (Outbox.sendReportNotFiled); automatic mail gets
 * none (RFC 3834). Logs and the audit log carry facts, never the content.
 */
@Injectable()
export class ReportMail {
  private readonly logger = new Logger('relay');

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: InboundQueue,
    private readonly audit: AuditLog,
    private readonly listKey: ListKey,
    private readonly fileReport: FileReport,
    private readonly outbox: Outbox,
    @Inject(SERVER_SECRET) private readonly secret: ServerSecret,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async process(inbound: InboundMessage): Promise<void> {
    // A seal that does not open is an error, not a refusal: left to be tried again, then UNPROCESSABLE.
    const raw = receivedRaw(this.secret, inbound);
    let message: ReportMessage;
    try {
      message = await readReportMessage(raw, await this.listKey.secretKey(), this.settings.REPORT_MAX_BYTES);
    } catch (error) {
      if (error instanceof PostRefusal) return this.refuse(inbound, raw, error.code);
      throw error;
    }
    const now = new Date();
    const key: ReporterKey = message.from
      ? await reporterKeyOf(message, message.from.address, now)
      : { armored: null, source: null, refused: null };
    const report = newReportFrom(message, key.armored);
    // Mail marked automatic (an auto-reply, a bounce) is filed, and never answered: two
    // auto-responders must not keep each other busy through the list.
    const receipt = inbound.mailFrom !== '' && !isAutomatic(raw);
    if (!report) {
      return this.refuse(inbound, raw, 'INVALID_REPORT', 'It has no From address to answer the report at.');
    }
    try {
      await this.file(inbound, report, message, key, now, receipt);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      // A key the reports lib will not take (its policy may be stricter than the one used here):
      // the report is filed without it, as with no key at all.
      if (error.field === 'reporterKey' && report.reporterKey) {
        const without = { armored: null, source: null, refused: error.code };
        return this.file(inbound, { ...report, reporterKey: null }, message, without, now, receipt);
      }
      // The report itself was refused (a field the lib's checks name, or too large): nothing filed.
      if (error.kind === 'invalid' || error.code === 'TOO_LARGE') {
        const code: RefusalCode = error.code === 'TOO_LARGE' ? 'TOO_LARGE' : 'INVALID_REPORT';
        const detail = code === 'TOO_LARGE' ? undefined : `The report's ${error.field ?? 'content'}: ${error.message}`;
        return this.refuse(inbound, raw, code, detail);
      }
      throw error;
    }
  }

  private async file(
    inbound: InboundMessage,
    report: NewReport,
    message: ReportMessage,
    key: ReporterKey,
    now: Date,
    receipt: boolean,
  ): Promise<void> {
    const filed = await this.dataSource.transaction(async (manager) => {
      const filed = await this.fileReport.within(manager, report, 'mail', now, { receipt });
      await this.queue.finish(manager, inbound, { status: 'processed' });
      await this.audit.append(manager, {
        actor: 'system',
        action: 'report_mail.filed',
        subject: `inbound_message:${inbound.id}`,
        // Facts only: the report is sealed, the audit log is not.
        details: {
          reportId: filed.id,
          reference: filed.reference,
          encrypted: message.encrypted,
          attachments: report.attachments.length,
          reporterKey: key.source,
          reporterKeyRefused: key.refused,
          reply: filed.reply,
        },
      });
      return filed;
    });
    const how = message.encrypted ? 'encrypted' : 'plain';
    this.logger.log(`inbound ${inbound.id}: report ${filed.reference} filed from ${how} mail (reply ${filed.reply})`);
  }

  /** Refuses the message: recorded with its code, its sender answered once a day at most. */
  private async refuse(inbound: InboundMessage, raw: Buffer, code: RefusalCode, detail?: string): Promise<void> {
    const sender = inbound.mailFrom;
    await this.dataSource.transaction(async (manager) => {
      await this.queue.finish(manager, inbound, { status: 'refused', refusalCode: code });
      const answerable = sender !== '' && !isAutomatic(raw);
      const replied =
        answerable && (await this.outbox.sendReportNotFiled(manager, sender, reportRefusalText(code, detail)));
      await this.audit.append(manager, {
        actor: 'system',
        action: 'report_mail.refused',
        subject: `inbound_message:${inbound.id}`,
        details: { code, sender: sender || null, replied },
      });
    });
    this.logger.warn(`inbound ${inbound.id} (report) refused: ${code}`);
  }
}
