import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SETTINGS, Settings } from '@cordon/config';
import { MemberLookup } from '@cordon/membership';

/** A member whose last copies failed, the latest first among them counted back to a success. */
export interface BounceStreak {
  memberId: string;
  organisation: string;
  email: string;
  /** Copies in a row that failed (bounced, refused or given up), since the last one that went. */
  failures: number;
  /** The post of the first failed copy in the row: how long the member has been out of reach. */
  since: Date;
  /** At BOUNCE_FLAG_THRESHOLD failures in a row: the address or its server is probably gone. */
  flagged: boolean;
}

/** The longest streaks shown, at most. */
const STREAKS_SHOWN = 500;

/** Outcomes of a copy that count as its failure; skipped and held copies were never tried. */
const FAILED = `d.status = 'failed' AND d.reason IN ('bounced', 'refused', 'gave_up')`;

/**
 * Bounces per member (issue 11, README "What waits for the maintainers"): the copies of a member,
 * in the order of their posts, failed in a row since the last that went out. A copy that went and
 * later bounced counts as failed (the bounce marks it so), and a copy that goes resets the count,
 * so nothing needs storing: the count is read from the copies' outcomes.
 */
@Injectable()
export class BounceStreaks {
  private readonly members = new MemberLookup();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /** Every active member with at least one failure since its last copy that went, longest first. */
  async all(): Promise<BounceStreak[]> {
    return this.query(null);
  }

  /** One member's, or null when its last copy went (or it never had one). */
  async ofMember(memberId: string): Promise<BounceStreak | null> {
    const [streak] = await this.query(memberId);
    return streak ?? null;
  }

  private async query(memberId: string | null): Promise<BounceStreak[]> {
    const rows = (await this.dataSource.query(
      `WITH last_sent AS (
         SELECT d.member_id, max(p.created_at) AS at
         FROM post_delivery d JOIN post p ON p.id = d.post_id
         WHERE d.status = 'sent' AND ($1::uuid IS NULL OR d.member_id = $1::uuid)
         GROUP BY d.member_id
       )
       SELECT d.member_id, count(*) AS failures, min(p.created_at) AS since
       FROM post_delivery d
       JOIN post p ON p.id = d.post_id
       LEFT JOIN last_sent s ON s.member_id = d.member_id
       WHERE ${FAILED} AND (s.at IS NULL OR p.created_at > s.at) AND ($1::uuid IS NULL OR d.member_id = $1::uuid)
       GROUP BY d.member_id`,
      [memberId],
    )) as { member_id: string; failures: string | number; since: Date }[];
    // Who they are, from the membership lib (docs/architecture.md, Layout); the list shows active members only.
    const members = await this.members.byIds(
      this.dataSource.manager,
      rows.map((r) => r.member_id),
    );
    const streaks = rows.flatMap((r) => {
      const member = members.get(r.member_id);
      if (!member || (memberId === null && member.status !== 'active')) return [];
      const failures = Number(r.failures);
      return [
        {
          memberId: r.member_id,
          organisation: member.organisation,
          email: member.email,
          failures,
          since: new Date(r.since),
          flagged: failures >= this.settings.BOUNCE_FLAG_THRESHOLD,
        },
      ];
    });
    streaks.sort((a, b) => b.failures - a.failures || a.since.getTime() - b.since.getTime());
    return streaks.slice(0, STREAKS_SHOWN);
  }
}
