import { Injectable } from '@nestjs/common';
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

/** A member with what its mail is written to: its address and the key its mail is encrypted to. */
export interface MemberMailbox extends MemberOutline {
  keyArmored: string;
}

interface Row {
  id: string;
  organisation: string;
  email: string;
  status: MemberStatus;
  application_id: string | null;
  acknowledged_policy_version: number | null;
  key_armored: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const COLUMNS = 'id, organisation, email, status, application_id, acknowledged_policy_version, key_armored';

/**
 * Members as the libs above membership show, check or write to them beside their own records (who
 * answered a date, who a leak report names, the relay's notes, receipts and confirmations): they
 * name the member table only through here (docs/architecture.md, Layout). Addresses are compared
 * without case.
 */
@Injectable()
export class MemberLookup {
  /** The members with these ids (any status); an id that is no member's is left out. */
  async byIds(manager: EntityManager, ids: Iterable<string>): Promise<Map<string, MemberMailbox>> {
    const wanted = [...new Set(ids)].filter((id) => UUID.test(id));
    if (!wanted.length) return new Map();
    const rows = (await manager.query(`SELECT ${COLUMNS} FROM member WHERE id = ANY($1::uuid[])`, [wanted])) as Row[];
    return new Map(rows.map((row) => [row.id, mailbox(row)]));
  }

  async byId(manager: EntityManager, id: string): Promise<MemberMailbox | null> {
    return (await this.byIds(manager, [id])).get(id) ?? null;
  }

  /** One member with its row locked until the caller's transaction ends, so a change to it waits. */
  lockedById(manager: EntityManager, id: string): Promise<MemberMailbox | null> {
    return this.of(manager, id, null, true);
  }

  /**
   * The member with this id, when in one of these statuses (null: any). `locked`: its row is held
   * until the caller's transaction ends, so that a suspension or removal racing the caller waits,
   * or wins.
   */
  async of(
    manager: EntityManager,
    memberId: string,
    statuses: readonly MemberStatus[] | null,
    locked = false,
  ): Promise<MemberMailbox | null> {
    if (!UUID.test(memberId)) return null;
    const [row] = (await manager.query(
      `SELECT ${COLUMNS} FROM member WHERE id = $1 AND ($2::text[] IS NULL OR status = ANY($2::text[]))${
        locked ? ' FOR UPDATE' : ''
      }`,
      [memberId, statuses],
    )) as Row[];
    return row ? mailbox(row) : null;
  }

  /** The member in one of these statuses with this address, or null. */
  async at(manager: EntityManager, address: string, statuses: readonly MemberStatus[]): Promise<MemberMailbox | null> {
    if (!address) return null;
    const [row] = (await manager.query(
      `SELECT ${COLUMNS} FROM member WHERE lower(email) = lower($1) AND status = ANY($2::text[]) LIMIT 1`,
      [address, statuses],
    )) as Row[];
    return row ? mailbox(row) : null;
  }

  /** Whether a member of any standing (removed and banned too) has this address. */
  async anyWithAddress(manager: EntityManager, address: string): Promise<boolean> {
    const rows = (await manager.query('SELECT 1 FROM member WHERE lower(email) = lower($1) LIMIT 1', [
      address,
    ])) as unknown[];
    return rows.length > 0;
  }
}

function mailbox(row: Row): MemberMailbox {
  return {
    id: row.id,
    organisation: row.organisation,
    email: row.email,
    status: row.status,
    applicationId: row.application_id,
    acknowledgedPolicyVersion: row.acknowledged_policy_version,
    keyArmored: row.key_armored,
  };
}
