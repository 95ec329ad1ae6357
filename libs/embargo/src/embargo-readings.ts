import { EntityManager } from 'typeorm';

/**
 * Counts of embargoes for the operators' metrics (the web app's /metrics), in the caller's
 * snapshot: the app names the embargo table only through here (docs/architecture.md, Layout). An
 * embargo is named by its number, never its title (which is itself embargoed).
 */
export class EmbargoReadings {
  byStatus(manager: EntityManager): Promise<Record<string, string | number | null>[]> {
    return manager.query('SELECT status, count(*) AS n FROM embargo GROUP BY status') as Promise<
      Record<string, string | number | null>[]
    >;
  }

  /** Hours until each running embargo's public moment; negative once it has passed and it is not lifted. */
  async hoursLeft(manager: EntityManager): Promise<{ number: number; hours: number }[]> {
    const rows = (await manager.query(
      `SELECT number, extract(epoch FROM public_at - now()) / 3600 AS n
       FROM embargo WHERE status = 'active' ORDER BY number`,
    )) as { number: string | number; n: string | number }[];
    return rows.map((row) => ({ number: Number(row.number), hours: Number(row.n) }));
  }
}
