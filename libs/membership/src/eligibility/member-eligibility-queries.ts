import { EntityManager } from 'typeorm';
import { MemberStatus } from '../entities/member.entity';
import { MemberStanding, PostCircumstances, Verdict } from './eligibility';
import { eligibilityParamsFrom, eligibilityParamValues, ineligibilitySql, onTheListSql } from './eligibility-sql';
import { Ineligibility } from './ineligibility';

/** A member on the list, with what fan-out needs to seal to it and the verdict the database gave. */
export interface EligibilityCandidate extends MemberStanding {
  memberId: string;
  email: string;
  organisation: string;
  keyArmored: string;
  /** The SQL form's verdict; complete it with the rules only a parsed key tells (completeVerdict). */
  verdict: Verdict;
}

/** A member as it is now, for the check made when a copy is claimed to be sent. */
export interface CurrentMember extends MemberStanding {
  memberId: string;
  email: string;
}

interface StandingRow {
  id: string;
  email: string;
  key_fingerprint: string;
  key_expires_at: Date | null;
  status: MemberStatus;
  acknowledged_policy_version: number | null;
  products: string[];
  ineligibility?: Ineligibility | null;
}

function standingOf(row: StandingRow): MemberStanding {
  return {
    status: row.status,
    keyFingerprint: row.key_fingerprint,
    keyExpiresAt: row.key_expires_at === null ? null : new Date(row.key_expires_at),
    acknowledgedPolicyVersion: row.acknowledged_policy_version,
    memberId: row.id,
    products: row.products,
  };
}

/**
 * The member rows the eligibility rule reads, for the libs that send list mail (embargo's
 * RecipientSelector at fan-out, the relay's delivery worker at send time): they ask here rather than
 * reading the member table themselves. Holds no state; safe to make with `new`.
 */
export class MemberEligibilityQueries {
  /**
   * The set-based form, for fan-out: every member on the list now (no status keeps it off), in id
   * order, with the verdict of the SQL form for this post at `now`.
   */
  async candidates(manager: EntityManager, post: PostCircumstances, now: Date): Promise<EligibilityCandidate[]> {
    const at = eligibilityParamsFrom(1);
    const rows = (await manager.query(
      `SELECT m.id, m.email, m.organisation, m.key_armored, m.key_fingerprint, m.key_expires_at, m.status,
              m.acknowledged_policy_version, m.products, ${ineligibilitySql('m', at)} AS ineligibility
       FROM member m WHERE ${onTheListSql('m', at)} ORDER BY m.id`,
      eligibilityParamValues(post, now),
    )) as (StandingRow & { key_armored: string; organisation: string })[];
    return rows.map((row) => ({
      ...standingOf(row),
      memberId: row.id,
      email: row.email,
      organisation: row.organisation,
      keyArmored: row.key_armored,
      verdict: row.ineligibility ? { eligible: false, reason: row.ineligibility } : { eligible: true },
    }));
  }

  /**
   * These members as they are now, by id (one statement); in the caller's transaction. Not their
   * keys: the copies were sealed at fan-out, and this runs for every batch of copies sent.
   */
  async current(manager: EntityManager, memberIds: string[]): Promise<Map<string, CurrentMember>> {
    if (memberIds.length === 0) return new Map();
    const rows = (await manager.query(
      `SELECT id, email, key_fingerprint, key_expires_at, status, acknowledged_policy_version, products
       FROM member WHERE id = ANY($1::uuid[])`,
      [[...new Set(memberIds)]],
    )) as StandingRow[];
    return new Map(rows.map((row) => [row.id, { ...standingOf(row), memberId: row.id, email: row.email }]));
  }
}
