import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MemberLookup } from '@cordon/membership';
import { embargoTag } from './embargo-queries';

/** A member's objection to the date of an embargo that still runs, as the maintainers' queue lists it. */
export interface OpenDateObjection {
  embargoId: string;
  /** `EMB-n`: the title stays on the embargo's page, behind the login. */
  embargoTag: string;
  memberId: string;
  organisation: string;
  answeredAt: Date;
}

/**
 * Objections that wait for the maintainers (README "What waits for the maintainers"): to an active
 * embargo's current date. Extending the embargo makes the objection stale (the member answered
 * another date), lifting it ends it; either way it stops waiting.
 */
@Injectable()
export class DateObjections {
  constructor(private readonly dataSource: DataSource) {}

  async open(): Promise<OpenDateObjection[]> {
    const rows = (await this.dataSource.query(
      `SELECT a.embargo_id, e.number, a.member_id, a.answered_at
       FROM embargo_date_answer a JOIN embargo e ON e.id = a.embargo_id
       WHERE a.answer = 'object' AND e.status = 'active' AND a.public_at = e.public_at
       ORDER BY a.answered_at
       LIMIT 500`,
    )) as { embargo_id: string; number: number; member_id: string; answered_at: Date }[];
    const members = await new MemberLookup().byIds(
      this.dataSource.manager,
      rows.map((r) => r.member_id),
    );
    return rows.map((r) => ({
      embargoId: r.embargo_id,
      embargoTag: embargoTag(r.number),
      memberId: r.member_id,
      organisation: members.get(r.member_id)!.organisation,
      answeredAt: new Date(r.answered_at),
    }));
  }
}
