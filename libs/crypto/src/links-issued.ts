import { EntityManager } from 'typeorm';
import { LinkPurpose } from './one-time-links';

/**
 * How many one-time links were issued lately, for the libs that bound how often one may be asked
 * for: they name the one_time_token table only through here (docs/architecture.md, Layout).
 */
export class LinksIssued {
  /** Links for `purpose` and `subjectId` issued in the last `hours`, used or not. */
  async countWithin(manager: EntityManager, purpose: LinkPurpose, subjectId: string, hours: number): Promise<number> {
    const [{ n }] = (await manager.query(
      `SELECT count(*)::int AS n FROM one_time_token
       WHERE purpose = $1 AND subject_id = $2 AND created_at > now() - make_interval(hours => $3)`,
      [purpose, subjectId, hours],
    )) as { n: number }[];
    return n;
  }
}
