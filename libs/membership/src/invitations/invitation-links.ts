import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { OneTimeLinks } from '@cordon/crypto';
import { DomainError } from '@cordon/errors';
import { Invitation } from './invitation.entity';

/**
 * The invitee's side of an invitation's one-time link: read it to fill in the form, use it up
 * with the application it stands behind. Unknown, used, revoked and expired links are one refusal,
 * as every one-time link's are (OneTimeLinks).
 */
@Injectable()
export class InvitationLinks {
  constructor(
    private readonly links: OneTimeLinks,
    private readonly audit: AuditLog,
  ) {}

  /** The open invitation behind a link, without using it up. */
  async open(manager: EntityManager, token: string): Promise<Invitation> {
    const id = await this.links.peek(manager, 'invitation', token).catch(invitationGone);
    const invitation = await manager.findOneBy(Invitation, { id });
    // A revoked invitation's link is withdrawn with it; this is a second lock on the same door.
    if (!invitation || invitation.usedAt || invitation.revokedAt) throw invitationGone(undefined);
    return invitation;
  }

  /**
   * The invitation is bound to its address: an application from another one is refused, so that a
   * link passed on (or intercepted) cannot bring someone else in without a vouch.
   */
  refuseOtherAddress(invitation: Invitation, contactEmail: string): void {
    if (invitation.email.trim().toLowerCase() !== contactEmail.trim().toLowerCase()) {
      throw new DomainError(
        'INVALID_INPUT',
        `This invitation is for ${invitation.email}: apply with that contact address. An invitation cannot ` +
          'be moved to another address; ask the maintainer who invited you for a new one.',
        'contactEmail',
      );
    }
  }

  /** Uses the link up for the application just recorded, in its transaction (of two, one wins). */
  async redeem(manager: EntityManager, token: string, applicationId: string): Promise<Invitation> {
    const id = await this.links.consume(manager, 'invitation', token).catch(invitationGone);
    const invitation = await manager.findOne(Invitation, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!invitation || invitation.usedAt || invitation.revokedAt) throw invitationGone(undefined);
    invitation.usedAt = new Date();
    invitation.applicationId = applicationId;
    await manager.update(Invitation, id, { usedAt: invitation.usedAt, applicationId });
    await this.audit.append(manager, {
      actor: `applicant:${applicationId}`,
      action: 'invitation.used',
      subject: `invitation:${id}`,
      details: { applicationId },
    });
    return invitation;
  }
}

function invitationGone(error: unknown): never {
  if (error !== undefined && !(error instanceof DomainError && error.code === 'LINK_INVALID')) throw error;
  throw new DomainError(
    'LINK_INVALID',
    'This invitation link is not valid: it may have been used already, been revoked or have expired. ' +
      'Ask the maintainer who invited you for a new one.',
  );
}
