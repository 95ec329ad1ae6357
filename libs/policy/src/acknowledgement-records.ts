import { EntityManager } from 'typeorm';
import { AcknowledgementMethod, PolicyAcknowledgement } from './policy-acknowledgement.entity';
import { PolicyVersion } from './policy-version.entity';

/** One recorded acknowledgement: who, which version (and the SHA-256 of its text), how and when. */
export interface AcknowledgementRecord {
  memberId: string;
  policyVersion: number;
  policySha256: string;
  how: AcknowledgementMethod;
  at: Date;
}

/**
 * The acknowledgements recorded, as the libs above this one show them (a member's account and
 * history, who acknowledged a version): they name the policy tables only through here
 * (docs/architecture.md, Layout). Every acknowledgement is kept, also those of members since gone.
 */
export class AcknowledgementRecords {
  /** A member's acknowledgements, oldest first unless `newestFirst`. */
  async ofMember(manager: EntityManager, memberId: string, newestFirst = false): Promise<AcknowledgementRecord[]> {
    const rows = await manager.find(PolicyAcknowledgement, {
      where: { memberId },
      order: { at: newestFirst ? 'DESC' : 'ASC' },
    });
    return rows.map(record);
  }

  /** The acknowledgements of one version, oldest first. */
  async ofVersion(manager: EntityManager, version: number): Promise<AcknowledgementRecord[]> {
    const rows = await manager.find(PolicyAcknowledgement, { where: { policyVersion: version }, order: { at: 'ASC' } });
    return rows.map(record);
  }

  async isPublished(manager: EntityManager, version: number): Promise<boolean> {
    return manager.exists(PolicyVersion, { where: { version } });
  }
}

function record(row: PolicyAcknowledgement): AcknowledgementRecord {
  return {
    memberId: row.memberId,
    policyVersion: row.policyVersion,
    policySha256: row.policySha256,
    how: row.how,
    at: row.at,
  };
}
