import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { DomainError } from '@cordon/errors';
import { Application } from '../entities/application.entity';
import { Vouch } from '../entities/vouch.entity';
import { ApplicationStatusPage } from '../queries/application-status-page';
import { AskVoucher } from './ask-voucher';

/**
 * The applicant answers the maintainers' question on its private status page, and may name a new
 * voucher (for example after the first one declined).
 */
@Injectable()
export class AnswerInfoRequest {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly askVoucher: AskVoucher,
    private readonly statusPage: ApplicationStatusPage,
  ) {}

  async execute(statusToken: string, reply: string, newVoucherEmail?: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const found = await this.statusPage.find(manager, statusToken);
      const application = await manager.findOne(Application, {
        where: { id: found.id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!application || application.status !== 'needs_info') {
        throw new DomainError('WRONG_STATE', 'The maintainers have not asked you anything that is still open.');
      }
      if (newVoucherEmail && newVoucherEmail.toLowerCase() === application.contactEmail.toLowerCase()) {
        throw new DomainError(
          'INVALID_INPUT',
          'The voucher must be an existing member other than yourself.',
          'voucherEmail',
        );
      }
      if (newVoucherEmail && application.invitationId) {
        throw new DomainError(
          'INVALID_INPUT',
          'Your application was made with a maintainer’s invitation, which stands in for a vouch: name no voucher.',
          'voucherEmail',
        );
      }
      application.infoReply = reply;
      let voucherAsked = false;
      if (application.invitationId) {
        application.status = 'in_review';
      } else if (newVoucherEmail) {
        application.voucherEmail = newVoucherEmail;
        application.status = 'awaiting_vouch';
        await manager.update(Application, application.id, { voucherEmail: newVoucherEmail });
        voucherAsked = await this.askVoucher.execute(manager, application);
      } else {
        const vouched = await manager.countBy(Vouch, { applicationId: application.id, decision: 'vouched' });
        application.status = vouched ? 'in_review' : 'awaiting_vouch';
      }
      await manager.update(Application, application.id, {
        infoReply: reply,
        status: application.status,
        updatedAt: new Date(),
      });
      await this.audit.append(manager, {
        actor: `applicant:${application.id}`,
        action: 'application.info_given',
        subject: `application:${application.id}`,
        details: { newVoucher: Boolean(newVoucherEmail), voucherIsMember: newVoucherEmail ? voucherAsked : undefined },
      });
    });
  }
}
