import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '@cordon/errors';
import { MemberLookup } from '@cordon/membership';
import { EmbargoAudiences } from '../audience/embargo-audiences';
import { Embargo } from '../embargo.entity';
import { audiencesHolding } from './audience-holds';
import { EmbargoMemberStatus, MemberEmbargoStatusKind, StatusVia } from './member-status.entity';

/** One member's line in an embargo's status matrix: its status, or null when it has not answered. */
export interface StatusMatrixRow {
  memberId: string;
  organisation: string;
  email: string;
  /** False for a member that answered and has since left the audience (its answer is kept). */
  inAudience: boolean;
  status: MemberEmbargoStatusKind | null;
  fixedVersion: string | null;
  /** ISO 8601. */
  publishAt: string | null;
  /** A moment to publish before the embargo's public moment: the maintainers should know. */
  publishesEarly: boolean;
  via: StatusVia | null;
  updatedAt: string | null;
}

export interface StatusMatrixView {
  embargoId: string;
  rows: StatusMatrixRow[];
  answered: number;
  /** Audience members with no status yet. */
  unanswered: number;
}

/**
 * Who in an embargo's audience stated what, and who has not answered (issue 14): the admin page
 * and the API read it. Rows: members without an answer first (whom to chase), then by organisation.
 */
@Injectable()
export class StatusMatrix {
  private readonly audiences = new EmbargoAudiences();

  constructor(private readonly dataSource: DataSource) {}

  async of(embargoId: string, manager: EntityManager = this.dataSource.manager): Promise<StatusMatrixView> {
    const embargo = await manager.findOneBy(Embargo, { id: embargoId });
    if (!embargo) throw new DomainError('NOT_FOUND', 'There is no such embargo.');
    const audience = await this.audiences.members(manager, embargoId);
    const statuses = new Map(
      (await manager.findBy(EmbargoMemberStatus, { embargoId })).map((row) => [row.memberId, row]),
    );
    const listed = new Map(audience.members.map((m) => [m.memberId, m]));
    const outside = [...statuses.keys()].filter((id) => !listed.get(id)?.inAudience);
    const others = await new MemberLookup().byIds(manager, outside);
    const people = [
      ...audience.members.filter((m) => m.inAudience),
      ...outside.flatMap((id) => {
        const member = listed.get(id) ?? others.get(id);
        return member
          ? [{ memberId: id, organisation: member.organisation, email: member.email, inAudience: false }]
          : [];
      }),
    ];
    const rows = people.map((person): StatusMatrixRow => {
      const row = statuses.get(person.memberId);
      return {
        memberId: person.memberId,
        organisation: person.organisation,
        email: person.email,
        inAudience: person.inAudience,
        status: row?.status ?? null,
        fixedVersion: row?.fixedVersion ?? null,
        publishAt: row?.publishAt?.toISOString() ?? null,
        publishesEarly: !!row?.publishAt && row.publishAt.getTime() < embargo.publicAt.getTime(),
        via: row?.via ?? null,
        updatedAt: row?.updatedAt.toISOString() ?? null,
      };
    });
    rows.sort(
      (a, b) => Number(a.status !== null) - Number(b.status !== null) || a.organisation.localeCompare(b.organisation),
    );
    const answered = rows.filter((r) => r.inAudience && r.status !== null).length;
    return { embargoId, rows, answered, unanswered: rows.filter((r) => r.inAudience).length - answered };
  }

  /** A member's own statuses, by embargo id. */
  async ofMember(memberId: string): Promise<Map<string, EmbargoMemberStatus>> {
    const rows = await this.dataSource.getRepository(EmbargoMemberStatus).findBy({ memberId });
    return new Map(rows.map((row) => [row.embargoId, row]));
  }

  /** Which of these embargoes' audiences hold the member: those it may state a status for. */
  embargoesFor(memberId: string, embargoIds: string[]): Promise<Set<string>> {
    return audiencesHolding(this.dataSource.manager, embargoIds, memberId);
  }
}
