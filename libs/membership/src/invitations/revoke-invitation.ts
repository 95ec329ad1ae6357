import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { OneTimeLinks } from '@cordon/crypto';
import { DomainError } from '@cordon/errors';
import { Invitation, invitationState } from './invitation.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A maintainer withdraws an invitation not used yet: its link stops working at once. */
@Injectable()
export class RevokeInvitation {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly links: OneTimeLinks,
  ) {}

  async execute(invitationId: string, actor: string): Promise<Invitation> {
    if (!UUID.test(invitationId)) throw new DomainError('NOT_FOUND', 'There is no such invitation.');
    return this.dataSource.transaction(async (manager) => {
      const invitation = await manager.findOne(Invitation, {
        where: { id: invitationId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!invitation) throw new DomainError('NOT_FOUND', 'There is no such invitation.');
      const state = invitationState(invitation);
      if (state !== 'open') {
        throw new DomainError('WRONG_STATE', `This invitation is ${state} already; only an open one can be revoked.`);
      }
      invitation.revokedAt = new Date();
      invitation.revokedBy = actor;
      await manager.update(Invitation, invitation.id, { revokedAt: invitation.revokedAt, revokedBy: actor });
      await this.links.revokeAll(manager, 'invitation', invitation.id);
      await this.audit.append(manager, {
        actor,
        action: 'invitation.revoked',
        subject: `invitation:${invitation.id}`,
        details: { organisation: invitation.organisation, email: invitation.email },
      });
      return invitation;
    });
  }
}
