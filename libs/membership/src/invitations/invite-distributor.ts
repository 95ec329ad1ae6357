import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { OneTimeLinks } from '@cordon/crypto';
import { DomainError } from '@cordon/errors';
import { Bans } from '../bans/bans';
import { Member } from '../entities/member.entity';
import { Invitation } from './invitation.entity';

export interface InvitationRequest {
  organisation: string;
  /** The contact address the invitation is bound to: the application must use it. */
  email: string;
  note?: string | null;
  /** Who invites: the audit actor and the name shown for criterion 7. */
  inviter: { actor: string; name: string };
}

export interface IssuedInvitation {
  invitation: Invitation;
  /** The link to pass on: shown once, stored only as a hash. */
  link: string;
}

// One bare addr-spec, as the Outbox takes it: the invitee's address will receive list mail.
const BARE_ADDRESS = /^[^\s@<>(),;:"\\[\]]+@[^\s@<>(),;:"\\[\]]+$/;

/**
 * A maintainer invites a distributor it knows (README "Inviting a distributor"). The invitee has no
 * key with the list yet, and the Outbox sends nothing it cannot encrypt (docs/architecture.md,
 * invariant 1), so no mail goes: the one-time link is returned here, once, for the maintainer to
 * pass on over a channel of its own. The link lives INVITATION_TTL_HOURS.
 */
@Injectable()
export class InviteDistributor {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly links: OneTimeLinks,
    private readonly bans: Bans,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async execute(request: InvitationRequest): Promise<IssuedInvitation> {
    const organisation = request.organisation.trim();
    const email = request.email.trim();
    const note = request.note?.trim() || null;
    if (!organisation || organisation.length > 200) {
      throw new DomainError('INVALID_INPUT', 'Give the organisation, at most 200 characters.', 'organisation');
    }
    if (email.length > 254 || !BARE_ADDRESS.test(email)) {
      throw new DomainError('INVALID_INPUT', 'The contact address must be one e-mail address.', 'email');
    }
    if (note && note.length > 2000) {
      throw new DomainError('INVALID_INPUT', 'The note must be at most 2000 characters.', 'note');
    }
    return this.dataSource.transaction(async (manager) => {
      await this.bans.refuseBanned(manager, { organisation, emails: [email], fingerprints: [] }, 'maintainer');
      const member = await manager
        .createQueryBuilder(Member, 'm')
        .where('lower(m.email) = lower(:email)', { email })
        .andWhere(`m.status IN ('active', 'suspended')`)
        .getCount();
      if (member) throw new DomainError('ALREADY_EXISTS', 'A member with this address already exists.', 'email');
      const open = await manager
        .createQueryBuilder(Invitation, 'i')
        .where('lower(i.email) = lower(:email)', { email })
        .andWhere('i.usedAt IS NULL AND i.revokedAt IS NULL AND i.expiresAt > now()')
        .getCount();
      if (open) {
        throw new DomainError(
          'ALREADY_EXISTS',
          'An open invitation to this address exists already: revoke it first to issue a new link.',
          'email',
        );
      }
      const hours = this.settings.INVITATION_TTL_HOURS;
      const now = new Date();
      const invitation = manager.create(Invitation, {
        id: randomUUID(),
        organisation,
        email,
        note,
        invitedBy: request.inviter.actor,
        invitedByName: request.inviter.name,
        createdAt: now,
        expiresAt: new Date(now.getTime() + hours * 3_600_000),
        usedAt: null,
        applicationId: null,
        revokedAt: null,
        revokedBy: null,
      });
      await manager.insert(Invitation, invitation);
      const token = await this.links.issue(manager, 'invitation', invitation.id, hours);
      await this.audit.append(manager, {
        actor: request.inviter.actor,
        action: 'invitation.created',
        subject: `invitation:${invitation.id}`,
        // The address, as application.submitted records the organisation; never the token.
        details: { organisation, email, expiresAt: invitation.expiresAt.toISOString() },
      });
      return { invitation, link: `${this.settings.publicUrl}/apply/invited/${token}` };
    });
  }
}
