import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { MemberStatus } from '../entities/member.entity';

/** Where a member is written to, and what the relay says of it beside. */
export interface MemberMailbox {
  id: string;
  email: string;
  organisation: string;
  /** The key its mail is encrypted to. */
  keyArmored: string;
  acknowledgedPolicyVersion: number | null;
}

interface Row {
  id: string;
  email: string;
  organisation: string;
  key_armored: string;
  acknowledged_policy_version: number | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const COLUMNS = 'id, email, organisation, key_armored, acknowledged_policy_version';
const mailbox = (row: Row): MemberMailbox => ({
  id: row.id,
  email: row.email,
  organisation: row.organisation,
  keyArmored: row.key_armored,
  acknowledgedPolicyVersion: row.acknowledged_policy_version,
});

/**
 * Members as the relay writes to them (notes, receipts, confirmations) or names them beside its
 * own records: it names the member table only through the membership lib (docs/architecture.md,
 * Layout). Addresses are compared without case.
 */
@Injectable()
export class MemberMailboxes {
  /** The member in one of these statuses with this address, or null. */
  async at(manager: EntityManager, address: string, statuses: readonly MemberStatus[]): Promise<MemberMailbox | null> {
    if (!address) return null;
    const [row] = (await manager.query(
      `SELECT ${COLUMNS} FROM member WHERE lower(email) = lower($1) AND status = ANY($2::text[]) LIMIT 1`,
      [address, statuses],
    )) as Row[];
    return row ? mailbox(row) : null;
  }

  /**
   * The member with this id, when in one of these statuses. `locked`: its row is held until the
   * caller's transaction ends, so that a suspension or removal racing the caller waits, or wins.
   */
  async of(
    manager: EntityManager,
    memberId: string,
    statuses: readonly MemberStatus[],
    locked = false,
  ): Promise<MemberMailbox | null> {
    if (!UUID.test(memberId)) return null;
    const [row] = (await manager.query(
      `SELECT ${COLUMNS} FROM member WHERE id = $1 AND status = ANY($2::text[])${locked ? ' FOR UPDATE' : ''}`,
      [memberId, statuses],
    )) as Row[];
    return row ? mailbox(row) : null;
  }

  /** The members with these ids (any status), by id; an id that is no member's is left out. */
  async byIds(manager: EntityManager, ids: Iterable<string>): Promise<Map<string, MemberMailbox>> {
    const wanted = [...new Set(ids)].filter((id) => UUID.test(id));
    if (!wanted.length) return new Map();
    const rows = (await manager.query(`SELECT ${COLUMNS} FROM member WHERE id = ANY($1::uuid[])`, [wanted])) as Row[];
    return new Map(rows.map((row) => [row.id, mailbox(row)]));
  }

  /** Whether a member of any standing (removed and banned too) has this address. */
  async anyWithAddress(manager: EntityManager, address: string): Promise<boolean> {
    const rows = (await manager.query('SELECT 1 FROM member WHERE lower(email) = lower($1) LIMIT 1', [
      address,
    ])) as unknown[];
    return rows.length > 0;
  }
}
