import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { hashToken } from '@cordon/crypto';
import { DomainError } from '@cordon/errors';
import { Application } from '../entities/application.entity';
import { InvitationQueries, InvitedBy } from '../invitations/invitation-queries';
import { FirstMembers } from './first-members';

/** What an applicant sees at its private status link: its own application, nothing about others. */
export interface ApplicantView {
  id: string;
  organisation: string;
  status: Application['status'];
  submittedAt: Date;
  keyFingerprint: string;
  infoRequest: string | null;
  decisionReason: string | null;
  /** Waiting for a vouch that nobody can give yet: the maintainers approve the first members without one. */
  firstMembers: boolean;
  /** Criterion 7 met by a maintainer's invitation instead of a vouch. */
  invitedBy: Pick<InvitedBy, 'name' | 'at'> | null;
}

@Injectable()
export class ApplicationStatusPage {
  constructor(
    private readonly dataSource: DataSource,
    private readonly firstMembers: FirstMembers,
    private readonly invitations: InvitationQueries,
  ) {}

  async find(manager: EntityManager, statusToken: string): Promise<Application> {
    const application = await manager.findOneBy(Application, { statusTokenHash: hashToken(statusToken) });
    if (!application) throw new DomainError('NOT_FOUND', 'There is no application at this link.');
    return application;
  }

  async view(statusToken: string): Promise<ApplicantView> {
    const a = await this.find(this.dataSource.manager, statusToken);
    return {
      id: a.id,
      organisation: a.organisation,
      status: a.status,
      submittedAt: a.createdAt,
      keyFingerprint: a.keyFingerprint,
      infoRequest: a.status === 'needs_info' ? a.infoRequest : null,
      decisionReason: a.status === 'rejected' ? a.decisionReason : null,
      firstMembers: a.status === 'awaiting_vouch' && (await this.firstMembers.admitted()),
      invitedBy: await this.invitedBy(a.invitationId),
    };
  }

  private async invitedBy(invitationId: string | null): Promise<ApplicantView['invitedBy']> {
    const invited = await this.invitations.invitedBy(invitationId);
    return invited && { name: invited.name, at: invited.at };
  }
}
