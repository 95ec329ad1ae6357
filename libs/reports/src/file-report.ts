import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { inspectPublicKey, KeyDetails, newToken } from '@cordon/crypto';
import { claimAutoReply, Outbox } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { clockRulesOf } from './open-report-clocks';
import { acknowledgementDueAt, formatDueMoment } from './report-clock';
import { checkedAttachments, checkedContent, NewReport, ReportContent, textBytes } from './report-content';
import { reportReference, ReportRecords } from './report-records';
import { Report } from './report.entity';
import { ReporterMail } from './reporter-mail';

export interface FiledReport {
  id: string;
  number: number;
  /** REP-<number> */
  reference: string;
  /** The reporter's page. */
  accessLink: string;
  /**
   * How the reporter was answered: `encrypted` (the link went encrypted to the key it gave),
   * `plain` (mail without a key: a plain notice with only the link), `none` (the form without a
   * key: the page shows the link, once).
   */
  reply: 'encrypted' | 'plain' | 'none';
}

/**
 * A vulnerability report comes in, by the form or by mail (issue 13, "Intake"; docs/architecture.md,
 * flow "Report"). Its content and attachments are checked, then stored sealed; the audit log gets
 * the facts only; the reporter gets its link; each maintainer is told, encrypted. Nothing is stored
 * or sent when any of it is refused.
 */
@Injectable()
export class FileReport {
  constructor(
    private readonly dataSource: DataSource,
    private readonly records: ReportRecords,
    private readonly reporterMail: ReporterMail,
    private readonly outbox: Outbox,
    private readonly audit: AuditLog,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /** In a transaction of its own (the web form). */
  async execute(report: NewReport, via: 'form' | 'mail', now = new Date()): Promise<FiledReport> {
    const checked = await this.check(report);
    return this.dataSource.transaction((manager) => this.store(manager, checked, via, now));
  }

  /**
   * In the caller's transaction (the mail intake, which finishes its inbound message in it). With
   * `receipt: false` the reporter is not answered: mail marked automatic is filed but never replied
   * to, so that two auto-responders cannot keep each other busy through the list.
   */
  async within(
    manager: EntityManager,
    report: NewReport,
    via: 'form' | 'mail',
    now = new Date(),
    options: { receipt?: boolean } = {},
  ): Promise<FiledReport> {
    return this.store(manager, await this.check(report), via, now, options.receipt ?? true);
  }

  /** Everything that can be refused, before a row is written (docs/architecture.md, invariant 7). */
  private async check(report: NewReport): Promise<CheckedReport> {
    const content = checkedContent(report.content);
    const key = report.reporterKey?.trim() ? await reporterKey(report.reporterKey) : null;
    if (typeof report.creditConsent !== 'boolean') {
      throw new DomainError('INVALID_INPUT', 'Say whether you want to be credited.', 'creditConsent');
    }
    const full: ReportContent = { ...content, reporterKey: key?.armored ?? null };
    const attachments = checkedAttachments(report.attachments, this.settings.REPORT_MAX_BYTES, textBytes(full));
    return { content: full, key, creditConsent: report.creditConsent && content.creditName !== '', attachments };
  }

  private async store(
    manager: EntityManager,
    checked: CheckedReport,
    via: 'form' | 'mail',
    now: Date,
    receipt = true,
  ): Promise<FiledReport> {
    const id = randomUUID();
    const { token, hash } = newToken();
    await manager.insert(Report, {
      id,
      status: 'new',
      receivedVia: via,
      receivedAt: now,
      content: this.records.sealContent(id, checked.content),
      reporterKeyFingerprint: checked.key?.fingerprint ?? null,
      accessTokenHash: hash,
      accessTokenSealed: this.records.sealAccessToken(id, token),
      handlerId: null,
      duplicateOf: null,
      embargoId: null,
      creditConsent: checked.creditConsent,
      proposedPublicAt: null,
      proposedTimeZone: null,
      reporterDateAnswer: null,
      reporterDateAnsweredAt: null,
      acknowledgedAt: null,
      closedAt: null,
      ackRemindedAt: null,
      ackOverdueAt: null,
      fixRemindedAt: null,
      fixOverdueAt: null,
      updatedAt: now,
    });
    const report = await this.records.find(manager, id);
    const reference = reportReference(report.number);
    await this.records.addAttachments(manager, id, null, checked.attachments);
    await this.records.addEvent(
      manager,
      id,
      { kind: 'status', actor: 'reporter', shownToReporter: true, body: { status: 'new', via } },
      now,
    );
    await this.audit.append(manager, {
      actor: 'anonymous',
      action: 'report.received',
      subject: `report:${id}`,
      // Facts only: the report and its files are kept sealed, and the audit log is not.
      details: {
        reference,
        via,
        attachments: checked.attachments.length,
        bytes: checked.attachments.reduce((sum, file) => sum + file.bytes.length, 0),
        reporterKey: checked.key?.fingerprint ?? null,
        creditConsent: checked.creditConsent,
      },
    });
    const reply = receipt ? await this.answerReporter(manager, report, checked, via, reference, now) : 'none';
    await this.outbox.sendToMaintainers(manager, {
      purpose: 'report.received',
      subject: `New vulnerability report ${reference}`,
      text: this.maintainersNotice(report, checked, reference, now),
    });
    return { id, number: report.number, reference, accessLink: this.reporterMail.link(report), reply };
  }

  private async answerReporter(
    manager: EntityManager,
    report: Report,
    checked: CheckedReport,
    via: 'form' | 'mail',
    reference: string,
    now: Date,
  ): Promise<FiledReport['reply']> {
    // The form shows the link at once; a reporter without a key who used the form gets no mail.
    if (!checked.key && via === 'form') return 'none';
    // A mailed report's sender may be forged: an address gets a few receipts a day, not one for
    // every message anyone sends in its name. Past that the report is filed all the same, and the
    // maintainers' first message to the reporter carries its link.
    if (via === 'mail' && !(await receiptAllowed(manager, checked.content.contact))) return 'none';
    const due = this.acknowledgementDue(now);
    return this.reporterMail.tell(manager, report, checked.content, {
      purpose: 'report.receipt',
      subject: `Your vulnerability report ${reference}`,
      text: [
        `We received your report ${reference} about ${checked.content.component}.`,
        '',
        'It is stored sealed: encrypted at rest, readable only by the project’s maintainers.',
        `They will acknowledge it by ${formatDueMoment(due, this.settings.PROJECT_TIME_ZONE)}, and write to you on its page.`,
      ].join('\n'),
    });
  }

  private acknowledgementDue(now: Date): Date {
    const rules = clockRulesOf(this.settings);
    return acknowledgementDueAt(now, rules.ackBusinessDays, rules.timeZone, rules.holidays);
  }

  private maintainersNotice(report: Report, checked: CheckedReport, reference: string, now: Date): string {
    const { content } = checked;
    const due = this.acknowledgementDue(now);
    return [
      `A vulnerability report came in: ${reference}.`,
      '',
      `Component: ${content.component}`,
      `Versions:  ${content.versions}`,
      `Public already: ${content.alreadyPublic}`,
      `Reporter: ${content.reporterName} <${content.contact}>${checked.key ? ` (key ${checked.key.fingerprint})` : ''}`,
      `Attachments: ${checked.attachments.length}`,
      '',
      `Acknowledge it by ${formatDueMoment(due, this.settings.PROJECT_TIME_ZONE)}:`,
      `${this.settings.publicUrl}/admin/reports/${report.id}`,
    ].join('\n');
  }
}

interface CheckedReport {
  content: ReportContent;
  key: KeyDetails | null;
  creditConsent: boolean;
  attachments: NewReport['attachments'];
}

/** Receipts to one address for mailed reports, at most, in a day. */
export const MAIL_RECEIPTS_A_DAY = 5;

/** Claims one of the address's receipt slots for the day (claimAutoReply: one row a slot). */
async function receiptAllowed(manager: EntityManager, address: string): Promise<boolean> {
  for (let slot = 1; slot <= MAIL_RECEIPTS_A_DAY; slot++) {
    if (await claimAutoReply(manager, `report_receipt_${slot}`, address, 1)) return true;
  }
  return false;
}

/** The reporter's key, by the key policy; its refusal names the form's field. */
async function reporterKey(armored: string): Promise<KeyDetails> {
  try {
    return (await inspectPublicKey(armored)).details;
  } catch (error) {
    if (error instanceof DomainError) throw new DomainError(error.code, error.message, 'reporterKey');
    throw error;
  }
}
