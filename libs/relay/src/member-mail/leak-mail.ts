import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { Outbox } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { EmbargoTags, LeakReports } from '@cordon/embargo';
import { MemberMailbox, MemberLookup } from '@cordon/membership';
import { InboundMessage, InboundQueue, ListAddresses } from '../ingress';
import { OpenedMail } from '../open';
import { SIGNED_MAIL_REPLAYED } from '../refusals/refusal-catalogue';
import { LeakReportFields, readLeakReport } from './leak-report-text';
import { MemberMailRefusal, MemberMailRefusals } from './member-mail-refusals';
import { MemberSigners } from './member-signers';
import { signedText } from './signed-text';
import { claimSignature } from './signature-registry';

/** A refusal found inside the transaction: thrown to roll everything back, then recorded. */
class Refused extends Error {
  constructor(readonly refusal: Omit<MemberMailRefusal, 'advice'>) {
    super(refusal.code);
  }
}

/**
 * A member files a leak report by mailing `<list>-leaks@` (issue 5, "Leak reports"), signed with
 * its current key, encrypted to the list key or not. The embargo is the `[EMB-n]` tag of the
 * (protected, when encrypted) subject, or an `Embargo:` field; the rest is read from the body
 * (readLeakReport documents the format) and filed with LeakReports, which tells the maintainers.
 * The member gets an encrypted receipt. Unsigned or forged mail, or a signature used before, is
 * refused with nothing filed (MemberMailRefusals).
 */
@Injectable()
export class LeakMail {
  private readonly logger = new Logger('relay');

  constructor(
    private readonly dataSource: DataSource,
    private readonly signers: MemberSigners,
    private readonly refusals: MemberMailRefusals,
    private readonly leakReports: LeakReports,
    private readonly queue: InboundQueue,
    private readonly audit: AuditLog,
    private readonly outbox: Outbox,
    private readonly addresses: ListAddresses,
    private readonly mailboxes: MemberLookup,
    private readonly embargoes: EmbargoTags,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async process(inbound: InboundMessage): Promise<void> {
    const verdict = await this.signers.open(inbound.raw, 'active_or_suspended', 'optional');
    if (verdict.kind === 'refused') return this.refusals.refuseNow(inbound, { ...verdict, advice: this.advice() });
    const { opened } = verdict;
    const fields = readLeakReport(opened.subject, (await signedText(opened.content)).text);
    try {
      await this.dataSource.transaction((manager) => this.file(manager, inbound, opened, fields));
    } catch (error) {
      if (error instanceof Refused) {
        return this.refusals.refuseNow(inbound, { ...error.refusal, advice: this.advice() });
      }
      // The report itself was refused (LeakReports validates it): its message names the field.
      if (error instanceof DomainError && ['invalid', 'forbidden'].includes(error.kind)) {
        return this.refusals.refuseNow(inbound, {
          code: 'INVALID_REPORT',
          message: error.message,
          advice: this.advice(),
        });
      }
      throw error;
    }
  }

  private async file(
    manager: EntityManager,
    inbound: InboundMessage,
    opened: OpenedMail,
    fields: LeakReportFields,
  ): Promise<void> {
    const memberId = opened.signer.id;
    const member = await this.mailboxes.of(manager, memberId, ['active', 'suspended']);
    if (!member) throw new Refused({ code: 'SIGNER_UNKNOWN', message: 'The signing key is no longer a member key.' });
    if (!(await claimSignature(manager, opened, inbound, 'leak_report'))) {
      throw new Refused({ code: 'REPLAYED', message: SIGNED_MAIL_REPLAYED });
    }
    const embargo = fields.embargoNumber ? await this.embargoes.named(manager, fields.embargoNumber) : null;
    const unknownTag =
      fields.embargoNumber && !embargo ? `\n\n[The mail named EMB-${fields.embargoNumber}, which does not exist.]` : '';
    const report = await this.leakReports.file(
      manager,
      {
        embargoId: embargo?.id ?? null,
        whatLeaked: fields.whatLeaked,
        leakedTo: fields.leakedTo,
        leakedAt: fields.leakedAt,
        evidence: `${fields.evidence}${unknownTag}`.trim(),
        selfReported: fields.selfReported,
      },
      { kind: 'mail', memberId },
    );
    await this.queue.finish(manager, inbound, { status: 'processed' });
    await this.audit.append(manager, {
      actor: `member:${memberId}`,
      action: 'member_mail.leak_report',
      subject: `inbound_message:${inbound.id}`,
      details: {
        leakReportId: report.id,
        signerFingerprint: opened.signer.signerFingerprint,
        signatureDigest: opened.signer.signatureDigest,
        encrypted: opened.encrypted,
      },
    });
    await this.receipt(manager, member, report.id, embargo ? fields.embargoNumber : null);
    this.logger.log(`inbound ${inbound.id}: leak report ${report.id} filed by member ${memberId}`);
  }

  private async receipt(
    manager: EntityManager,
    member: MemberMailbox,
    reportId: string,
    embargoNumber: number | null,
  ): Promise<void> {
    try {
      await this.outbox.send(manager, {
        purpose: 'relay.leak_report_filed',
        to: member.email,
        recipientKey: member.keyArmored,
        subject: 'Your leak report was filed',
        text: [
          `Your signed leak report was filed and the maintainers have it${embargoNumber ? ` (embargo EMB-${embargoNumber})` : ''}.`,
          `Reference: ${reportId}`,
        ].join('\n'),
      });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error; // filed all the same; the key cannot take mail
    }
  }

  private advice(): string {
    return [
      `To report a leak by mail, send ${this.addresses.leaks} a message signed with the key registered for`,
      `your membership (encrypted to the list key if you can), with the embargo as [EMB-n] in its subject`,
      `and lines "What leaked:", "Leaked to:", "When:", "Self-reported: yes/no" and "Evidence:".`,
      `Or report it on the web, after asking for a sign-in link at ${this.settings.publicUrl}/member.`,
    ].join('\n');
  }
}
