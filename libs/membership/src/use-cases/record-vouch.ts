import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { OneTimeLinks } from '@cordon/crypto';
import { DomainError } from '@cordon/errors';
import { Application } from '../entities/application.entity';
import { Member } from '../entities/member.entity';
import { Vouch } from '../entities/vouch.entity';

export type VouchDecision = 'vouched' | 'declined';

/** Criterion 7: an existing member vouches for the applicant (with a comment), or declines. */
@Injectable()
export class RecordVouch {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly links: OneTimeLinks,
  ) {}

  /** What the voucher sees before deciding; does not use the link up. */
  async preview(token: string): Promise<Application> {
    return this.dataSource.transaction(async (manager) => {
      const id = await this.links.peek(manager, 'vouch', token);
      const application = await manager.findOneBy(Application, { id });
      if (!application) throw new DomainError('LINK_INVALID', 'This link is not valid.');
      return application;
    });
  }

  async execute(token: string, decision: VouchDecision, comment: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const id = await this.links.consume(manager, 'vouch', token);
      const application = await manager.findOne(Application, { where: { id }, lock: { mode: 'pessimistic_write' } });
      const voucher = application?.voucherMemberId
        ? await manager.findOneBy(Member, { id: application.voucherMemberId })
        : null;
      if (!application || !voucher || voucher.status !== 'active' || application.status !== 'awaiting_vouch') {
        throw new DomainError('LINK_INVALID', 'This application no longer waits for your vouch.');
      }
      await manager.insert(Vouch, {
        id: randomUUID(),
        applicationId: id,
        memberId: voucher.id,
        decision,
        comment,
        at: new Date(),
      });
      const status = decision === 'vouched' ? 'in_review' : 'vouch_declined';
      await manager.update(Application, id, { status, updatedAt: new Date() });
      await this.audit.append(manager, {
        actor: `member:${voucher.id}`,
        action: decision === 'vouched' ? 'application.vouched' : 'application.vouch_declined',
        subject: `application:${id}`,
        details: { voucherFingerprint: voucher.keyFingerprint },
      });
    });
  }
}
