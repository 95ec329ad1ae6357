import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { OneTimeLinks } from '@cordon/crypto';
import { DomainError } from '@cordon/errors';
import { Application } from '../entities/application.entity';
import { AskVoucher } from './ask-voucher';

/**
 * Following the encrypted confirmation link proves mailbox and key; then the voucher is asked, or,
 * for an application made with a maintainer's invitation, it goes to the maintainers at once.
 */
@Injectable()
export class ConfirmApplication {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly links: OneTimeLinks,
    private readonly askVoucher: AskVoucher,
  ) {}

  async execute(token: string): Promise<Application> {
    return this.dataSource.transaction(async (manager) => {
      const id = await this.links.consume(manager, 'confirm_application', token);
      const application = await manager.findOne(Application, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!application || application.status !== 'unconfirmed') {
        throw new DomainError('LINK_INVALID', 'This application is already confirmed.');
      }
      // The invitation stands in for the vouch (criterion 7): nobody is asked.
      const invited = application.invitationId !== null;
      application.status = invited ? 'in_review' : 'awaiting_vouch';
      await manager.update(Application, id, { status: application.status, updatedAt: new Date() });
      const voucherIsMember = invited ? false : await this.askVoucher.execute(manager, application);
      await this.audit.append(manager, {
        actor: `applicant:${id}`,
        action: 'application.confirmed',
        subject: `application:${id}`,
        details: invited ? { invited } : { voucherIsMember },
      });
      return application;
    });
  }
}
