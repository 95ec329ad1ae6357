import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { AuditCheckpoints, Outbox } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { Member, MemberStatus } from '../entities/member.entity';
import { mailTexts } from '../mail-texts';

export type MemberAction = 'suspend' | 'reinstate' | 'remove';

const transitions: Record<MemberAction, { from: MemberStatus[]; to: MemberStatus }> = {
  suspend: { from: ['active'], to: 'suspended' },
  reinstate: { from: ['suspended'], to: 'active' },
  remove: { from: ['active', 'suspended'], to: 'removed' },
};

/**
 * Maintainers suspend, reinstate or remove a member, with a reason the member is told (encrypted).
 * A suspended or removed member gets no list mail from the moment this commits (invariant 2).
 */
@Injectable()
export class ChangeMemberStatus {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly outbox: Outbox,
    private readonly checkpoints: AuditCheckpoints,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async execute(memberId: string, action: MemberAction, reason: string, maintainerId: string): Promise<Member> {
    return this.dataSource.transaction(async (manager) => {
      const member = await manager.findOne(Member, { where: { id: memberId }, lock: { mode: 'pessimistic_write' } });
      if (!member) throw new DomainError('NOT_FOUND', 'There is no such member.');
      const { from, to } = transitions[action];
      if (!from.includes(member.status)) {
        throw new DomainError(
          'WRONG_STATE',
          `A member who is ${member.status} cannot be changed that way (${action}).`,
        );
      }
      const previous = member.status;
      Object.assign(member, { status: to, statusReason: reason, updatedAt: new Date() });
      await manager.update(Member, member.id, { status: to, statusReason: reason, updatedAt: member.updatedAt });
      await this.audit.append(manager, {
        actor: `maintainer:${maintainerId}`,
        action: `member.${action === 'reinstate' ? 'reinstated' : to}`,
        subject: `member:${member.id}`,
        details: { from: previous, to },
      });
      await this.outbox.send(manager, {
        purpose: `member.${to}`,
        to: member.email,
        recipientKey: member.keyArmored,
        ...mailTexts.memberStatusChanged(this.settings.LIST_NAME, to, reason),
      });
      // A member out: the maintainers get a checkpoint of the audit log that includes it (issue 10).
      if (to === 'removed') await this.checkpoints.afterDecision(manager, 'member.removed');
      return member;
    });
  }
}
