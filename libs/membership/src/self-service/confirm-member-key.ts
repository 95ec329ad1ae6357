import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { checkKey, OneTimeLinks, readOneKey } from '@cordon/crypto';
import { Outbox } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { Member } from '../entities/member.entity';
import { assertKeyFree } from './key-in-use';
import { MemberKeyProposal } from './member-key-proposal.entity';
import { selfServiceMail } from './self-service-mail';

/**
 * Following the link mailed encrypted to a proposed key proves the member holds it: only then does
 * the key become the member's (every later copy is encrypted to it). The old key is named in the
 * audit log by fingerprint only, and is told, if mail can still be encrypted to it.
 */
@Injectable()
export class ConfirmMemberKey {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly links: OneTimeLinks,
    private readonly outbox: Outbox,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /** What the confirmation page shows, without using the link up. */
  async preview(token: string): Promise<{ organisation: string; fingerprint: string }> {
    return this.dataSource.transaction(async (manager) => {
      const id = await this.links.peek(manager, 'member_key_proof', token);
      const { proposal, member } = await this.open(manager, id, false);
      return { organisation: member.organisation, fingerprint: proposal.keyFingerprint };
    });
  }

  async execute(token: string): Promise<{ organisation: string; fingerprint: string }> {
    return this.dataSource.transaction(async (manager) => {
      const id = await this.links.consume(manager, 'member_key_proof', token);
      const { proposal, member } = await this.open(manager, id, true);
      await assertKeyFree(manager, member.id, proposal.keyFingerprint);
      const previous = { armored: member.keyArmored, fingerprint: member.keyFingerprint };
      const now = new Date();
      await manager.update(Member, member.id, {
        keyArmored: proposal.keyArmored,
        keyFingerprint: proposal.keyFingerprint,
        keyAlgorithm: proposal.keyAlgorithm,
        keyExpiresAt: proposal.keyExpiresAt,
        updatedAt: now,
      });
      await manager.update(MemberKeyProposal, proposal.id, { confirmedAt: now });
      await this.audit.append(manager, {
        actor: `member:${member.id}`,
        action: 'member.key_replaced',
        subject: `member:${member.id}`,
        details: {
          previousKeyFingerprint: previous.fingerprint,
          keyFingerprint: proposal.keyFingerprint,
          keyAlgorithm: proposal.keyAlgorithm,
          keyExpiresAt: proposal.keyExpiresAt,
        },
      });
      if (await canStillEncryptTo(previous.armored)) {
        await this.outbox.send(manager, {
          purpose: 'member.key_replaced',
          to: member.email,
          recipientKey: previous.armored,
          ...selfServiceMail.keyReplaced(
            this.settings.LIST_NAME,
            member.organisation,
            previous.fingerprint,
            proposal.keyFingerprint,
          ),
        });
      }
      return { organisation: member.organisation, fingerprint: proposal.keyFingerprint };
    });
  }

  private async open(manager: EntityManager, proposalId: string, lock: boolean) {
    const proposal = await manager.findOne(MemberKeyProposal, {
      where: { id: proposalId },
      ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    const member = proposal
      ? await manager.findOne(Member, {
          where: { id: proposal.memberId },
          ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
        })
      : null;
    if (!proposal || proposal.confirmedAt || proposal.supersededAt || member?.status !== 'active') {
      throw new DomainError('LINK_INVALID', 'This link is no longer valid. Upload the key again in a member session.');
    }
    return { proposal, member };
  }
}

/** Only CPU work, no query: a refusal here cannot spoil the surrounding transaction. */
async function canStillEncryptTo(armored: string): Promise<boolean> {
  try {
    await checkKey(await readOneKey(armored));
    return true;
  } catch {
    return false;
  }
}
