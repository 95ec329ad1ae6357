import { Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { Application, ApplicationStatus } from '../entities/application.entity';
import { FirstMembers } from './first-members';

/** An application the maintainers are to act on, and since when it has waited. */
export interface WaitingApplication {
  id: string;
  organisation: string;
  /** `review`: waits for a decision; `info_answered`: the applicant answered the maintainers' question. */
  reason: 'review' | 'info_answered';
  since: Date;
}

/**
 * The applications that wait for the maintainers (README "What waits for the maintainers"): vouched
 * (in review), refused by the voucher (the maintainers decide what next), waiting for a vouch that
 * nobody can give while the list has no member, and any open one whose applicant answered the
 * maintainers' question. Those waiting for the applicant (unconfirmed, asked for information) or
 * for a voucher who can still answer are not the maintainers' to act on.
 */
@Injectable()
export class ApplicationsWaiting {
  constructor(
    private readonly dataSource: DataSource,
    private readonly firstMembers: FirstMembers,
  ) {}

  async list(): Promise<WaitingApplication[]> {
    const statuses: ApplicationStatus[] = ['in_review', 'vouch_declined', 'awaiting_vouch'];
    const open = await this.dataSource.getRepository(Application).find({
      select: { id: true, organisation: true, status: true, infoReply: true, updatedAt: true },
      where: { status: In(statuses) },
      order: { updatedAt: 'ASC' },
      take: 500,
    });
    const nobodyVouches = await this.firstMembers.admitted();
    return open
      .filter((a) => a.infoReply !== null || a.status !== 'awaiting_vouch' || nobodyVouches)
      .map((a) => ({
        id: a.id,
        organisation: a.organisation,
        reason: a.infoReply !== null ? ('info_answered' as const) : ('review' as const),
        since: a.updatedAt,
      }));
  }
}
