import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { inspectPublicKey, OneTimeLinks } from '@cordon/crypto';
import { Outbox } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { activeMember, activeMemberForUpdate } from './active-member';
import { Member } from '../entities/member.entity';
import { assertAddressFree } from './address-in-use';
import { emailChangeMail } from './email-change-mail';
import { MemberEmailChange } from './member-email-change.entity';

/** Anyone holding a session could mail a stranger's mailbox with it: a few requests an hour is plenty. */
export const EMAIL_CHANGES_PER_HOUR = 5;

/**
 * A member asks to move its contact address (issue 11, "Members come and go"). The new address
 * must be on the member's key, as at application (the key policy wants a user ID for the address
 * mail goes to); a key without it is refused, naming the way out: add the user ID and give the
 * updated key with the address. The proof link goes to the new address, encrypted to the member's
 * key, and nothing changes until it is followed.
 */
@Injectable()
export class ProposeMemberEmail {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly links: OneTimeLinks,
    private readonly outbox: Outbox,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /**
   * `updatedKey`: the member's own key again (the same fingerprint) with a user ID for the new
   * address added, for when the stored copy lacks one. It is taken, like the address, only once
   * the link is followed.
   */
  async execute(memberId: string, newEmail: string, updatedKey?: string): Promise<{ email: string }> {
    const email = newEmail.trim();
    const member = await activeMember(this.dataSource.manager, memberId);
    if (email.toLowerCase() === member.email.trim().toLowerCase()) {
      throw new DomainError('INVALID_INPUT', 'This is already your address.', 'email');
    }
    const keyArmored = updatedKey?.trim() ? await this.updatedCopy(member, email, updatedKey) : null;
    if (!keyArmored) await this.assertOnStoredKey(member, email);
    return this.dataSource.transaction(async (manager) => {
      const locked = await activeMemberForUpdate(manager, memberId);
      const hours = this.settings.CONFIRM_LINK_TTL_HOURS;
      await assertAddressFree(manager, memberId, email, hours);
      const [{ n }] = (await manager.query(
        `SELECT count(*)::int AS n FROM member_email_change WHERE member_id = $1 AND proposed_at > now() - interval '1 hour'`,
        [memberId],
      )) as { n: number }[];
      if (n >= EMAIL_CHANGES_PER_HOUR) {
        throw new DomainError(
          'INVALID_INPUT',
          `At most ${EMAIL_CHANGES_PER_HOUR} address changes an hour can be asked for. Try again later.`,
          'email',
        );
      }
      const open = await manager.findBy(MemberEmailChange, { memberId, confirmedAt: IsNull(), supersededAt: IsNull() });
      for (const earlier of open) {
        await manager.update(MemberEmailChange, earlier.id, { supersededAt: new Date() });
        await this.links.revokeAll(manager, 'member_email_proof', earlier.id);
      }
      const change = manager.create(MemberEmailChange, {
        id: randomUUID(),
        memberId,
        previousEmail: locked.email,
        newEmail: email,
        keyArmored,
        proposedAt: new Date(),
        confirmedAt: null,
        supersededAt: null,
      });
      await manager.insert(MemberEmailChange, change);
      const token = await this.links.issue(manager, 'member_email_proof', change.id, hours);
      await this.outbox.send(manager, {
        purpose: 'member.email_proof',
        to: email,
        recipientKey: keyArmored ?? locked.keyArmored,
        ...emailChangeMail.proof(
          this.settings.LIST_NAME,
          locked.organisation,
          locked.email,
          email,
          `${this.settings.publicUrl}/member/address/confirm/${token}`,
          hours,
        ),
      });
      await this.audit.append(manager, {
        actor: `member:${memberId}`,
        action: 'member.email_change_proposed',
        subject: `member:${memberId}`,
        details: { from: locked.email, to: email, keyUpdated: keyArmored !== null },
      });
      return { email };
    });
  }

  private async assertOnStoredKey(member: Member, email: string): Promise<void> {
    try {
      await inspectPublicKey(member.keyArmored, { requireAddress: email });
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind !== 'invalid') throw error;
      if (error.code !== 'KEY_NO_MATCHING_USER_ID') {
        throw new DomainError(
          'INVALID_INPUT',
          `Your key cannot take list mail as it stands: ${error.message} Replace it on the Key page first.`,
          'email',
        );
      }
      throw new DomainError(
        'INVALID_INPUT',
        `Your key has no user ID for ${email}, and list mail is only sent to an address on the key it is ` +
          `encrypted to. Add one (gpg --quick-add-uid ${member.keyFingerprint} ${email}) and paste the ` +
          `updated key below (gpg --armor --export ${member.keyFingerprint}).`,
        'key',
      );
    }
  }

  /** The pasted key, if it is the member's own with a user ID for the new address; refused otherwise. */
  private async updatedCopy(member: Member, email: string, updatedKey: string): Promise<string> {
    const { details } = await inspectPublicKey(updatedKey, { requireAddress: email });
    if (details.fingerprint !== member.keyFingerprint.toUpperCase()) {
      throw new DomainError(
        'INVALID_INPUT',
        'This is not your current key. Paste your own key with the new user ID added; to use another key, ' +
          'replace it on the Key page first.',
        'key',
      );
    }
    return details.armored;
  }

  /** The address waiting for its link to be followed, if any, for the member's page. */
  async pending(memberId: string): Promise<{ email: string; proposedAt: Date } | null> {
    const [row] = (await this.dataSource.query(
      `SELECT new_email, proposed_at FROM member_email_change
       WHERE member_id = $1 AND confirmed_at IS NULL AND superseded_at IS NULL
         AND proposed_at > now() - make_interval(hours => $2)
       ORDER BY proposed_at DESC LIMIT 1`,
      [memberId, this.settings.CONFIRM_LINK_TTL_HOURS],
    )) as { new_email: string; proposed_at: Date }[];
    return row ? { email: row.new_email, proposedAt: new Date(row.proposed_at) } : null;
  }
}
