import { EntityManager } from 'typeorm';

/**
 * The last fire drill's size and answers for the operators' metrics (the web app's /metrics), in
 * the caller's snapshot: the app names the drill tables only through here (docs/architecture.md,
 * Layout). Holds no state; safe to make with `new`.
 */
export class DrillReadings {
  /** Null before the first drill. */
  async last(manager: EntityManager): Promise<{ members: number; answered: number } | null> {
    const [row] = (await manager.query(
      `SELECT count(p.member_id)::int AS members, count(p.answered_at)::int AS answered
       FROM drill d LEFT JOIN drill_participant p ON p.drill_id = d.id
       WHERE d.number = (SELECT max(number) FROM drill) GROUP BY d.id`,
    )) as { members: number; answered: number }[];
    return row ? { members: Number(row.members), answered: Number(row.answered) } : null;
  }
}
