import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditTrail } from '@cordon/audit';
import { DomainError } from '@cordon/errors';
import { MaintainerLookup } from '@cordon/maintainers';
import { ApplicationComment } from '../entities/application-comment.entity';
import { Application, ApplicationStatus } from '../entities/application.entity';
import { InvitationQueries, InvitedBy } from '../invitations/invitation-queries';
import { FirstMembers } from './first-members';
import { MemberLookup } from './member-lookup';

export interface VouchView {
  decision: 'vouched' | 'declined';
  comment: string;
  at: Date;
  voucherEmail: string;
  voucherOrganisation: string;
}

export interface HistoryEntry {
  seq: string;
  at: Date;
  actor: string;
  /** The maintainer's name or the member's organisation behind `actor`, when it is one. */
  actorName: string | null;
  action: string;
}

export interface ApplicationReview {
  application: Application;
  voucherIsMember: boolean;
  /** The list has no active member: this application may be approved without a vouch, with a reason. */
  firstMembers: boolean;
  /** Made with a maintainer's invitation, which stands in for the vouch (criterion 7). */
  invitedBy: InvitedBy | null;
  vouches: VouchView[];
  comments: (ApplicationComment & { maintainerName: string })[];
  history: HistoryEntry[];
}

export interface ApplicationSummary {
  id: string;
  organisation: string;
  distribution: string;
  contactEmail: string;
  status: ApplicationStatus;
  createdAt: Date;
  updatedAt: Date;
}

/** The maintainers' read side: the queue and one application in full. */
@Injectable()
export class ApplicationReviewQueries {
  constructor(
    private readonly dataSource: DataSource,
    private readonly firstMembers: FirstMembers,
    private readonly invitations: InvitationQueries,
  ) {}

  async queue(status?: ApplicationStatus): Promise<ApplicationSummary[]> {
    const qb = this.dataSource
      .getRepository(Application)
      .createQueryBuilder('a')
      .select(['a.id', 'a.organisation', 'a.distribution', 'a.contactEmail', 'a.status', 'a.createdAt', 'a.updatedAt'])
      .orderBy('a.createdAt', 'ASC')
      .limit(500);
    if (status) qb.where('a.status = :status', { status });
    return qb.getMany();
  }

  async review(id: string): Promise<ApplicationReview> {
    const application = await this.dataSource.getRepository(Application).findOneBy({ id });
    if (!application) throw new DomainError('NOT_FOUND', 'There is no such application.');
    const vouches = (await this.dataSource.query(
      `SELECT v.decision, v.comment, v.at, m.email AS "voucherEmail", m.organisation AS "voucherOrganisation"
       FROM vouch v JOIN member m ON m.id = v.member_id WHERE v.application_id = $1 ORDER BY v.at`,
      [id],
    )) as VouchView[];
    const comments = (await this.dataSource.query(
      `SELECT c.id, c.body, c.at, c.maintainer_id AS "maintainerId"
       FROM application_comment c WHERE c.application_id = $1 ORDER BY c.at`,
      [id],
    )) as ApplicationComment[];
    const commenters = await new MaintainerLookup().byIds(
      this.dataSource.manager,
      comments.map((c) => c.maintainerId),
    );
    const history = await this.history(id);
    const firstMembers = await this.firstMembers.admitted();
    const voucherIsMember = application.voucherMemberId !== null;
    const invitedBy = await this.invitations.invitedBy(application.invitationId);
    return {
      application,
      voucherIsMember,
      firstMembers,
      invitedBy,
      vouches,
      comments: comments.map((c) => ({ ...c, maintainerName: commenters.get(c.maintainerId)?.name ?? '' })),
      history,
    };
  }

  /** The application's audit trail, each actor named: a maintainer by its name, a member by its organisation. */
  private async history(id: string): Promise<HistoryEntry[]> {
    const manager = this.dataSource.manager;
    const entries = await new AuditTrail().about(manager, `application:${id}`);
    const actors = entries.map((e) => e.actor);
    const members = await new MemberLookup().byIds(
      manager,
      actors.filter((a) => a.startsWith('member:')).map((a) => a.slice('member:'.length)),
    );
    const names = new Map([
      ...(await new MaintainerLookup().namesOfActors(manager, actors)),
      ...[...members.values()].map((m): [string, string] => [`member:${m.id}`, m.organisation]),
    ]);
    return entries.map(({ seq, at, actor, action }) => ({
      seq,
      at,
      actor,
      action,
      actorName: names.get(actor) ?? null,
    }));
  }
}
