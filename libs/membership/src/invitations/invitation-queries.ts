import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Invitation, invitationState, InvitationState } from './invitation.entity';
import { InvitationLinks } from './invitation-links';

export interface InvitationRow {
  id: string;
  organisation: string;
  email: string;
  note: string | null;
  invitedByName: string;
  createdAt: Date;
  expiresAt: Date;
  state: InvitationState;
  /** When used: the application made with it. */
  applicationId: string | null;
  usedAt: Date | null;
  revokedAt: Date | null;
}

/** Criterion 7 as an invited application meets it: who invited, and when. */
export interface InvitedBy {
  invitationId: string;
  name: string;
  at: Date;
  /** The organisation the maintainer invited (the applicant may have written it otherwise). */
  organisation: string;
}

/** The maintainers' list of invitations, and what an application shows of its own. */
@Injectable()
export class InvitationQueries {
  constructor(
    private readonly dataSource: DataSource,
    private readonly links: InvitationLinks,
  ) {}

  /** What the application form is filled in with, from a link still open (not used up). */
  async forLink(token: string): Promise<{ organisation: string; email: string }> {
    const invitation = await this.links.open(this.dataSource.manager, token);
    return { organisation: invitation.organisation, email: invitation.email };
  }

  async list(limit = 500): Promise<InvitationRow[]> {
    const now = new Date();
    const rows = await this.dataSource.getRepository(Invitation).find({ order: { createdAt: 'DESC' }, take: limit });
    return rows.map((i) => ({
      id: i.id,
      organisation: i.organisation,
      email: i.email,
      note: i.note,
      invitedByName: i.invitedByName,
      createdAt: i.createdAt,
      expiresAt: i.expiresAt,
      state: invitationState(i, now),
      applicationId: i.applicationId,
      usedAt: i.usedAt,
      revokedAt: i.revokedAt,
    }));
  }

  async invitedBy(invitationId: string | null): Promise<InvitedBy | null> {
    if (!invitationId) return null;
    const i = await this.dataSource.getRepository(Invitation).findOneBy({ id: invitationId });
    return i ? { invitationId: i.id, name: i.invitedByName, at: i.createdAt, organisation: i.organisation } : null;
  }
}
