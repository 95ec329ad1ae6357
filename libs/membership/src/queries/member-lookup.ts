import { EntityManager } from 'typeorm';
import { MemberStatus } from '../entities/member.entity';

export interface MemberOutline {
  id: string;
  organisation: string;
  email: string;
  status: MemberStatus;
  applicationId: string | null;
  acknowledgedPolicyVersion: number | null;
}

interface Row {
  id: string;
  organisation: string;
  email: string;
  status: MemberStatus;
  application_id: string | null;
  acknowledged_policy_version: number | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const COLUMNS = 'id, organisation, email, status, application_id, acknowledged_policy_version';

/**
 * Members as the libs above membership show or check them beside their own records (who answered
 * a date, who a leak report names): they name the member table only through here
 * (docs/architecture.md, Layout).
 */
export class MemberLookup {
  /** The members with these ids (any status); an id that is no member's is left out. */
  async byIds(manager: EntityManager, ids: Iterable<string>): Promise<Map<string, MemberOutline>> {
    const wanted = [...new Set(ids)].filter((id) => UUID.test(id));
    if (!wanted.length) return new Map();
    const rows = (await manager.query(`SELECT ${COLUMNS} FROM member WHERE id = ANY($1::uuid[])`, [wanted])) as Row[];
    return new Map(rows.map((row) => [row.id, outline(row)]));
  }

  async byId(manager: EntityManager, id: string): Promise<MemberOutline | null> {
    return (await this.byIds(manager, [id])).get(id) ?? null;
  }

  /** One member with its row locked until the caller's transaction ends, so a change to it waits. */
  async lockedById(manager: EntityManager, id: string): Promise<MemberOutline | null> {
    if (!UUID.test(id)) return null;
    const [row] = (await manager.query(`SELECT ${COLUMNS} FROM member WHERE id = $1 FOR UPDATE`, [id])) as Row[];
    return row ? outline(row) : null;
  }
}

function outline(row: Row): MemberOutline {
  return {
    id: row.id,
    organisation: row.organisation,
    email: row.email,
    status: row.status,
    applicationId: row.application_id,
    acknowledgedPolicyVersion: row.acknowledged_policy_version,
  };
}
