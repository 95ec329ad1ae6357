import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { inspectPublicKey, OneTimeLinks } from '@cordon/crypto';
import { Outbox } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { Member } from '../entities/member.entity';
import { assertAddressFree } from './address-in-use';
import { emailChangeMail } from './email-change-mail';
import { MemberEmailChange } from './member-email-change.entity';

export interface ConfirmedEmailChange {
  organisation: string;
  from: string;
  to: string;
}

/**
 * Following the link mailed to the new address, encrypted to the member's key, proves the member
 * reads that mailbox: only then does the address become the member's. From that commit on, the
 * relay knows the member by it and every copy, also one queued before, goes there (the delivery
 * workers read the address at send time). The old address is told, encrypted.
 */
@Injectable()
export class ConfirmMemberEmail {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly links: OneTimeLinks,
    private readonly outbox: Outbox,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /** What the confirmation page shows, without using the link up. */
  async preview(token: string): Promise<ConfirmedEmailChange> {
    return this.dataSource.transaction(async (manager) => {
      const id = await this.links.peek(manager, 'member_email_proof', token);
      const { change, member } = await this.open(manager, id, false);
      return { organisation: member.organisation, from: member.email, to: change.newEmail };
    });
  }

  async execute(token: string): Promise<ConfirmedEmailChange> {
    return this.dataSource.transaction(async (manager) => {
      const id = await this.links.consume(manager, 'member_email_proof', token);
      const { change, member } = await this.open(manager, id, true);
      // Someone may have taken the address since it was asked for (an application, another member).
      await assertAddressFree(manager, member.id, change.newEmail, this.settings.CONFIRM_LINK_TTL_HOURS);
      const key = await this.keyFor(member, change);
      const from = member.email;
      const now = new Date();
      await manager.update(Member, member.id, {
        email: change.newEmail,
        ...(change.keyArmored
          ? { keyArmored: key.armored, keyAlgorithm: key.algorithm, keyExpiresAt: key.expiresAt }
          : {}),
        updatedAt: now,
      });
      await manager.update(MemberEmailChange, change.id, { confirmedAt: now });
      await this.audit.append(manager, {
        actor: `member:${member.id}`,
        action: 'member.email_changed',
        subject: `member:${member.id}`,
        details: { from, to: change.newEmail, keyUpdated: change.keyArmored !== null },
      });
      try {
        await this.outbox.send(manager, {
          purpose: 'member.email_changed',
          to: from,
          recipientKey: member.keyArmored,
          ...emailChangeMail.changed(this.settings.LIST_NAME, member.organisation, from, change.newEmail),
        });
      } catch (error) {
        // A key that can no longer take mail gets no notice; the change, proved by the link, stands.
        if (!(error instanceof DomainError)) throw error;
      }
      return { organisation: member.organisation, from, to: change.newEmail };
    });
  }

  /**
   * The key list mail will be encrypted to, which must carry the new address: the updated copy
   * given with the change, or the stored key. The member may have replaced its key since asking,
   * with one that lacks the address, or so that the updated copy is of a key no longer its own.
   */
  private async keyFor(member: Member, change: MemberEmailChange) {
    const refusal = (why: string) =>
      new DomainError('WRONG_STATE', `${why} Ask for the address change again in a member session.`);
    try {
      const { details } = await inspectPublicKey(change.keyArmored ?? member.keyArmored, {
        requireAddress: change.newEmail,
      });
      if (details.fingerprint !== member.keyFingerprint.toUpperCase()) {
        throw refusal('Your key was replaced after you asked for this change.');
      }
      return details;
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind !== 'invalid') throw error;
      throw refusal(`Your key, as it stands now, cannot take mail at ${change.newEmail}: ${error.message}`);
    }
  }

  private async open(manager: EntityManager, changeId: string, lock: boolean) {
    const change = await manager.findOne(MemberEmailChange, {
      where: { id: changeId },
      ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    const member = change
      ? await manager.findOne(Member, {
          where: { id: change.memberId },
          ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
        })
      : null;
    if (!change || change.confirmedAt || change.supersededAt || member?.status !== 'active') {
      throw new DomainError(
        'LINK_INVALID',
        'This link is no longer valid. Ask for the address change again in a member session.',
      );
    }
    return { change, member };
  }
}
