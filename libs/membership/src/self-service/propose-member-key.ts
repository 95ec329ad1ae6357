import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { inspectPublicKey, OneTimeLinks } from '@cordon/crypto';
import { Outbox } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { activeMember, activeMemberForUpdate } from './active-member';
import { assertKeyFree } from './key-in-use';
import { MemberKeyProposal } from './member-key-proposal.entity';
import { selfServiceMail } from './self-service-mail';

/**
 * A member uploads a new key (issue 5: "the new key is proven the same way before it is used").
 * The key policy applies as at application, with a user ID for the member's address; the proof
 * link is mailed encrypted to the new key, and nothing changes until it is followed.
 */
@Injectable()
export class ProposeMemberKey {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly links: OneTimeLinks,
    private readonly outbox: Outbox,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async execute(memberId: string, key: string | Uint8Array): Promise<{ fingerprint: string }> {
    const member = await activeMember(this.dataSource.manager, memberId);
    const { details } = await inspectPublicKey(key, { requireAddress: member.email });
    return this.dataSource.transaction(async (manager) => {
      const locked = await activeMemberForUpdate(manager, memberId);
      if (details.fingerprint === locked.keyFingerprint.toUpperCase()) {
        throw new DomainError('INVALID_INPUT', 'This is already your key.', 'key');
      }
      await assertKeyFree(manager, memberId, details.fingerprint);
      const open = await manager.findBy(MemberKeyProposal, { memberId, confirmedAt: IsNull(), supersededAt: IsNull() });
      for (const earlier of open) {
        await manager.update(MemberKeyProposal, earlier.id, { supersededAt: new Date() });
        await this.links.revokeAll(manager, 'member_key_proof', earlier.id);
      }
      const proposal = manager.create(MemberKeyProposal, {
        id: randomUUID(),
        memberId,
        keyArmored: details.armored,
        keyFingerprint: details.fingerprint,
        keyAlgorithm: details.algorithm,
        keyExpiresAt: details.expiresAt,
        proposedAt: new Date(),
        confirmedAt: null,
        supersededAt: null,
      });
      await manager.insert(MemberKeyProposal, proposal);
      const hours = this.settings.CONFIRM_LINK_TTL_HOURS;
      const token = await this.links.issue(manager, 'member_key_proof', proposal.id, hours);
      await this.outbox.send(manager, {
        purpose: 'member.key_proof',
        to: locked.email,
        recipientKey: details.armored,
        ...selfServiceMail.keyProof(
          this.settings.LIST_NAME,
          locked.organisation,
          details.fingerprint,
          `${this.settings.publicUrl}/member/key/confirm/${token}`,
          hours,
        ),
      });
      await this.audit.append(manager, {
        actor: `member:${memberId}`,
        action: 'member.key_proposed',
        subject: `member:${memberId}`,
        details: { keyFingerprint: details.fingerprint, currentKeyFingerprint: locked.keyFingerprint },
      });
      return { fingerprint: details.fingerprint };
    });
  }
}
