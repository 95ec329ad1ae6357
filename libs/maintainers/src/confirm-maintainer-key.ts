import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { checkKey, OneTimeLinks, readOneKey } from '@cordon/crypto';
import { Outbox } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { KeyClaims } from './key-claims';
import { assertMaintainerKeyFree } from './maintainer-key-in-use';
import { MaintainerKeyProposal } from './maintainer-key-proposal.entity';
import { maintainerMail } from './maintainer-mail';
import { Maintainer } from './maintainer.entity';

export interface MaintainerKeyConfirmation {
  name: string;
  email: string;
  fingerprint: string;
}

/**
 * Following the link mailed encrypted to a proposed key proves the maintainer holds it: only then
 * does the key become the maintainer's, at once the only one its posts are relayed under (the relay
 * reads maintainer keys afresh for each post). The old key is told, if it can still be encrypted to.
 */
@Injectable()
export class ConfirmMaintainerKey {
  private readonly logger = new Logger('maintainer-key');

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly links: OneTimeLinks,
    private readonly outbox: Outbox,
    private readonly audit: AuditLog,
    private readonly keyClaims: KeyClaims,
  ) {}

  /** What the confirmation page shows, without using the link up. */
  async preview(token: string): Promise<MaintainerKeyConfirmation> {
    return this.dataSource.transaction(async (manager) => {
      const id = await this.links.peek(manager, 'maintainer_key_proof', token);
      const { proposal, maintainer } = await this.open(manager, id, false);
      return { name: maintainer.name, email: maintainer.email, fingerprint: proposal.keyFingerprint };
    });
  }

  async execute(token: string): Promise<MaintainerKeyConfirmation> {
    return this.dataSource.transaction(async (manager) => {
      const id = await this.links.consume(manager, 'maintainer_key_proof', token);
      const { proposal, maintainer } = await this.open(manager, id, true);
      await assertMaintainerKeyFree(manager, proposal.keyFingerprint, maintainer.id, this.keyClaims);
      const previous = { armored: maintainer.keyArmored, fingerprint: maintainer.keyFingerprint };
      await manager.update(Maintainer, maintainer.id, {
        keyArmored: proposal.keyArmored,
        keyFingerprint: proposal.keyFingerprint,
      });
      await manager.update(MaintainerKeyProposal, proposal.id, { confirmedAt: new Date() });
      await this.audit.append(manager, {
        // Following the link is the maintainer's own act: only the holder of the new key could.
        actor: `maintainer:${maintainer.id}`,
        action: 'maintainer.key_changed',
        subject: `maintainer:${maintainer.id}`,
        details: {
          previousKeyFingerprint: previous.fingerprint,
          keyFingerprint: proposal.keyFingerprint,
          proposedBy: proposal.proposedBy,
        },
      });
      if (await canStillEncryptTo(previous.armored)) {
        await this.outbox.send(manager, {
          purpose: 'maintainer.key_changed',
          to: maintainer.email,
          recipientKey: previous.armored,
          ...maintainerMail.keyChanged(this.settings.LIST_NAME, previous.fingerprint, proposal.keyFingerprint),
        });
      } else {
        this.logger.warn('maintainer.key_changed not told to the old key, which cannot take mail');
      }
      return { name: maintainer.name, email: maintainer.email, fingerprint: proposal.keyFingerprint };
    });
  }

  private async open(manager: EntityManager, proposalId: string, lock: boolean) {
    const locking = lock ? { lock: { mode: 'pessimistic_write' as const } } : {};
    const proposal = await manager.findOne(MaintainerKeyProposal, { where: { id: proposalId }, ...locking });
    const maintainer = proposal
      ? await manager.findOne(Maintainer, { where: { id: proposal.maintainerId }, ...locking })
      : null;
    const inStanding = maintainer?.status === 'active' || maintainer?.status === 'invited';
    if (!proposal || !maintainer || proposal.confirmedAt || proposal.supersededAt || !inStanding) {
      throw new DomainError('LINK_INVALID', 'This link is no longer valid. Propose the key again.');
    }
    return { proposal, maintainer };
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
