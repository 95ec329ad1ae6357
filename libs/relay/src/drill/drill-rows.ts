import { EntityManager } from 'typeorm';

export type DrillStatus = 'running' | 'ended';
export type DrillAnswerVia = 'self_service' | 'signed_mail';

/** A drill as stored; `status` is what it is at the time asked (a drill past its end has ended). */
export interface DrillRow {
  id: string;
  number: number;
  startedBy: string;
  startedAt: Date;
  endsAt: Date;
  status: DrillStatus;
}

interface Row {
  id: string;
  number: number;
  started_by: string;
  started_at: Date;
  ends_at: Date;
  status: DrillStatus;
}

const COLUMNS = 'id, number, started_by, started_at, ends_at, status';

/** The drill table's reads, for the drill folder only (docs/architecture.md, Table owners). */
export class DrillRows {
  async byNumber(manager: EntityManager, number: number, now: Date, locked = false): Promise<DrillRow | null> {
    if (!Number.isSafeInteger(number) || number < 1 || number > 2_147_483_647) return null;
    const [row] = (await manager.query(`SELECT ${COLUMNS} FROM drill WHERE number = $1${locked ? ' FOR UPDATE' : ''}`, [
      number,
    ])) as Row[];
    return row ? drill(row, now) : null;
  }

  /** Every drill, the latest first. */
  async all(manager: EntityManager, now: Date): Promise<DrillRow[]> {
    const rows = (await manager.query(`SELECT ${COLUMNS} FROM drill ORDER BY number DESC`)) as Row[];
    return rows.map((row) => drill(row, now));
  }

  /** The drills still marked running whose end has passed, marked ended; returns them. */
  async endPassed(manager: EntityManager, now: Date): Promise<DrillRow[]> {
    const [rows] = (await manager.query(
      `UPDATE drill SET status = 'ended' WHERE status = 'running' AND ends_at <= $1 RETURNING ${COLUMNS}`,
      [now],
    )) as [Row[], number];
    return rows.map((row) => drill(row, now));
  }
}

function drill(row: Row, now: Date): DrillRow {
  const endsAt = new Date(row.ends_at);
  return {
    id: row.id,
    number: Number(row.number),
    startedBy: row.started_by,
    startedAt: new Date(row.started_at),
    endsAt,
    status: row.status === 'running' && endsAt > now ? 'running' : 'ended',
  };
}
