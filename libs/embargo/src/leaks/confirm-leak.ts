import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { AuditCheckpoints, Outbox, QueuedMail } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { Bans, Member, MemberRemoval } from '@cordon/membership';
import { EmbargoNotices } from '../embargo-notices';
import { LeakReports } from './leak-reports';
import { UnsentCopies } from './unsent-copies';

export interface ConfirmedLeak {
  reportId: string;
  memberId: string;
  strikes: number;
  threshold: number;
  /** This confirmation removed the member for good. */
  removed: boolean;
  /** Members told that the embargo is broken (issue 14); 0 when the leak broke none. */
  membersTold: number;
}

/**
 * A maintainer confirms a leak report and attributes it to a member (docs/architecture.md, flow "Leak"): a
 * strike. At LEAK_STRIKE_THRESHOLD strikes the member is removed for good, in the same
 * transaction: its list mail stops at once, it is told why (its last mail), and its organisation,
 * addresses and keys are banned from applying again. Every step is audited.
 */
@Injectable()
export class ConfirmLeak {
  constructor(
    private readonly dataSource: DataSource,
    private readonly leaks: LeakReports,
    private readonly bans: Bans,
    private readonly audit: AuditLog,
    private readonly outbox: Outbox,
    private readonly checkpoints: AuditCheckpoints,
    private readonly unsentCopies: UnsentCopies,
    private readonly notices: EmbargoNotices,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async execute(
    reportId: string,
    memberId: string,
    reason: string,
    maintainerId: string,
    options: { embargoBroken?: boolean } = {},
  ): Promise<ConfirmedLeak> {
    return this.dataSource.transaction(async (manager) => {
      // The member's row first: two confirmations for one member count their strikes in turn.
      const member = await new MemberRemoval().lockedMember(manager, memberId);
      if (!member) throw new DomainError('INVALID_INPUT', 'There is no such member.', 'memberId');
      const { strikes, broken } = await this.leaks.confirm(manager, reportId, member.id, reason, maintainerId, options);
      const threshold = this.settings.LEAK_STRIKE_THRESHOLD;
      const actor: Actor = `maintainer:${maintainerId}`;
      const result = { reportId, memberId: member.id, strikes, threshold, removed: false, membersTold: 0 };
      if (strikes < threshold) {
        await this.tellOfStrike(manager, member, strikes, threshold, reason);
      } else {
        result.removed = await this.removeForGood(manager, member, { strikes, threshold, reportId, reason }, actor);
      }
      // A break is loud (issue 14): the audience is told at once, in this transaction; after a
      // removal, so that a member removed for its leaks is not among them.
      if (broken) result.membersTold = await this.notices.broken(manager, broken);
      return result;
    });
  }

  private async removeForGood(
    manager: EntityManager,
    member: Member,
    why: { strikes: number; threshold: number; reportId: string; reason: string },
    actor: Actor,
  ): Promise<boolean> {
    const wasMember = member.status === 'active' || member.status === 'suspended';
    const statusReason = `Removed for good after ${why.strikes} confirmed leaks (the limit is ${why.threshold}).`;
    if (wasMember) {
      const previous = member.status;
      await new MemberRemoval().removeForGood(manager, member, statusReason);
      await this.audit.append(manager, {
        actor,
        action: 'member.removed',
        subject: `member:${member.id}`,
        details: {
          from: previous,
          to: 'removed',
          strikes: why.strikes,
          threshold: why.threshold,
          leakReportId: why.reportId,
        },
      });
    }
    await this.stopMail(manager, member, actor);
    if (wasMember) {
      // Queued after the rest is stopped: it is the last mail the member gets, encrypted to it alone.
      await this.outbox.send(manager, {
        purpose: 'member.removed',
        to: member.email,
        recipientKey: member.keyArmored,
        ...removalNotice(this.settings.LIST_NAME, why.strikes, why.reason),
      });
    }
    await this.bans.banMember(manager, member, statusReason, actor);
    // Removed and banned: the maintainers get a checkpoint of the audit log that includes it (issue 10).
    await this.checkpoints.afterDecision(manager, 'member.removed');
    return wasMember;
  }

  /**
   * Copies of list mail not yet sent (pending, or held for an acknowledgement) are skipped, and so
   * is member service mail still queued for it (embargo notices carry embargoed facts; links it
   * can no longer use). A copy already handed to the relay cannot be called back.
   */
  private async stopMail(manager: EntityManager, member: Member, actor: Actor): Promise<void> {
    const copiesSkipped = await this.unsentCopies.stopFor(manager, member.id);
    const noticesCancelled = await new QueuedMail().withdrawPending(
      manager,
      member.email,
      ['embargo.', 'member.', 'post'],
      'member_removed',
    );
    await this.audit.append(manager, {
      actor,
      action: 'member.mail_stopped',
      subject: `member:${member.id}`,
      details: { copiesSkipped, noticesCancelled },
    });
  }

  private async tellOfStrike(
    manager: EntityManager,
    member: Member,
    strikes: number,
    threshold: number,
    reason: string,
  ) {
    if (member.status !== 'active' && member.status !== 'suspended') return;
    await this.outbox.send(manager, {
      purpose: 'member.strike',
      to: member.email,
      recipientKey: member.keyArmored,
      subject: `${this.settings.LIST_NAME}: a leak was attributed to you`,
      text: [
        `Hello,`,
        ``,
        `The maintainers of ${this.settings.LIST_NAME} confirmed a leak of embargoed information and`,
        `attributed it to you. This is strike ${strikes}; at ${threshold} a member is removed for good and`,
        `cannot apply again.`,
        ``,
        `Reason: ${reason.trim()}`,
        ``,
        `Share list information only with team members who have acknowledged the Embargo Policy, and`,
        `report any leak to the maintainers at once.`,
      ].join('\n'),
    });
  }
}

function removalNotice(listName: string, strikes: number, reason: string): { subject: string; text: string } {
  return {
    subject: `Your membership of ${listName}: removed`,
    text: [
      `Hello,`,
      ``,
      `The maintainers of ${listName} confirmed another leak of embargoed information and attributed`,
      `it to you: ${strikes} confirmed leaks. Under the Embargo Policy a member who keeps leaking is`,
      `removed for good. You are removed from the list and will receive no more list mail; your`,
      `organisation, addresses and keys cannot apply again.`,
      ``,
      `Reason for the last confirmation: ${reason.trim()}`,
    ].join('\n'),
  };
}
