import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { MemberStatus } from '../entities/member.entity';

/** A member's key, as mail the member signs is checked against it. */
export interface MemberSigningKey {
  memberId: string;
  keyArmored: string;
  keyFingerprint: string;
}

/**
 * The keys of the members in the given statuses, whose signatures the relay accepts on their
 * answers, acknowledgements and leak reports by mail (issue 5). The relay names the member table
 * only through the membership lib (docs/architecture.md, Layout).
 */
@Injectable()
export class MemberSigningKeys {
  async inStatus(manager: EntityManager, statuses: readonly MemberStatus[]): Promise<MemberSigningKey[]> {
    const rows = (await manager.query(
      `SELECT id, key_armored, key_fingerprint FROM member WHERE status = ANY($1::text[])`,
      [statuses],
    )) as { id: string; key_armored: string; key_fingerprint: string }[];
    return rows.map((row) => ({ memberId: row.id, keyArmored: row.key_armored, keyFingerprint: row.key_fingerprint }));
  }
}
