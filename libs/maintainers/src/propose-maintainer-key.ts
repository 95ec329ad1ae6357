import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { Actor, AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { inspectPublicKey, OneTimeLinks } from '@cordon/crypto';
import { Outbox } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { KeyClaims } from './key-claims';
import { assertMaintainerKeyFree } from './maintainer-key-in-use';
import { MaintainerKeyProposal } from './maintainer-key-proposal.entity';
import { maintainerMail } from './maintainer-mail';
import { Maintainer } from './maintainer.entity';

export interface MaintainerKeyProposalRequest {
  /** The maintainer whose key is replaced: by id (itself, logged in) or by address (the operator's CLI). */
  maintainer: { id: string } | { email: string };
  key: string | Uint8Array;
  actor: Actor;
}

export interface MaintainerKeyProposed {
  maintainerId: string;
  email: string;
  fingerprint: string;
}

/**
 * A new key for a maintainer, proved as a member's is (README "Replacing a maintainer's key"): the
 * key policy applies with a user ID for the maintainer's address, a one-time link is mailed
 * encrypted to the NEW key, and nothing changes until it is followed (ConfirmMaintainerKey). Until
 * then the current key stays the one posts must be signed with. A newer proposal supersedes an
 * older one. Only maintainers in standing (invited, active) may have their key replaced.
 */
@Injectable()
export class ProposeMaintainerKey {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly links: OneTimeLinks,
    private readonly outbox: Outbox,
    private readonly audit: AuditLog,
    private readonly keyClaims: KeyClaims,
  ) {}

  async execute(request: MaintainerKeyProposalRequest): Promise<MaintainerKeyProposed> {
    if (typeof request.key === 'string' && !request.key.trim()) {
      throw new DomainError('INVALID_INPUT', 'Give the new OpenPGP public key.', 'key');
    }
    const current = await this.find(this.dataSource.manager, request.maintainer, false);
    const { details } = await inspectPublicKey(request.key, { requireAddress: current.email });
    return this.dataSource.transaction(async (manager) => {
      const maintainer = await this.find(manager, { id: current.id }, true);
      if (details.fingerprint === maintainer.keyFingerprint.toUpperCase()) {
        throw new DomainError('INVALID_INPUT', 'This is already the maintainer’s key.', 'key');
      }
      await assertMaintainerKeyFree(manager, details.fingerprint, maintainer.id, this.keyClaims);
      const open = await manager.findBy(MaintainerKeyProposal, {
        maintainerId: maintainer.id,
        confirmedAt: IsNull(),
        supersededAt: IsNull(),
      });
      for (const earlier of open) {
        await manager.update(MaintainerKeyProposal, earlier.id, { supersededAt: new Date() });
        await this.links.revokeAll(manager, 'maintainer_key_proof', earlier.id);
      }
      const proposal: MaintainerKeyProposal = {
        id: randomUUID(),
        maintainerId: maintainer.id,
        keyArmored: details.armored,
        keyFingerprint: details.fingerprint,
        proposedBy: request.actor,
        proposedAt: new Date(),
        confirmedAt: null,
        supersededAt: null,
      };
      await manager.insert(MaintainerKeyProposal, proposal);
      const hours = this.settings.CONFIRM_LINK_TTL_HOURS;
      const token = await this.links.issue(manager, 'maintainer_key_proof', proposal.id, hours);
      await this.outbox.send(manager, {
        purpose: 'maintainer.key_proof',
        to: maintainer.email,
        recipientKey: details.armored,
        ...maintainerMail.keyProof(
          this.settings.LIST_NAME,
          details.fingerprint,
          `${this.settings.publicUrl}/admin/key/confirm/${token}`,
          hours,
        ),
      });
      await this.audit.append(manager, {
        actor: request.actor,
        action: 'maintainer.key_proposed',
        subject: `maintainer:${maintainer.id}`,
        details: { keyFingerprint: details.fingerprint, currentKeyFingerprint: maintainer.keyFingerprint },
      });
      return { maintainerId: maintainer.id, email: maintainer.email, fingerprint: details.fingerprint };
    });
  }

  private async find(
    manager: EntityManager,
    which: MaintainerKeyProposalRequest['maintainer'],
    lock: boolean,
  ): Promise<Maintainer> {
    const qb = manager.createQueryBuilder(Maintainer, 'm');
    if ('id' in which) qb.where('m.id = :id', { id: which.id });
    else qb.where('lower(m.email) = lower(:email)', { email: which.email.trim() });
    if (lock) qb.setLock('pessimistic_write');
    const maintainer = await qb.getOne();
    if (!maintainer) throw new DomainError('NOT_FOUND', 'There is no maintainer with that address.', 'email');
    if (maintainer.status !== 'invited' && maintainer.status !== 'active') {
      throw new DomainError(
        'WRONG_STATE',
        `${maintainer.name} is ${maintainer.status}: only an active or invited maintainer’s key can be replaced.`,
      );
    }
    return maintainer;
  }
}
