import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AcknowledgementRecords, Policies } from '@cordon/policy';

/** Who holds a member session, as the pages see it. Read on every request, so a change shows at once. */
export interface MemberIdentity {
  id: string;
  email: string;
  organisation: string;
  status: 'active' | 'suspended';
}

export interface MemberAcknowledgementView {
  version: number;
  sha256: string;
  how: string;
  at: string;
}

/** The member's own page: its key, the current policy and whether it is acknowledged, its history. */
export interface MemberAccountView extends MemberIdentity {
  distribution: string;
  key: { fingerprint: string; algorithm: string; expiresAt: string | null };
  policy: { version: number; sha256: string; body: string; publishedAt: string };
  acknowledgedCurrent: boolean;
  /** Every acknowledgement, newest first. */
  acknowledgements: MemberAcknowledgementView[];
  /** A key uploaded but not yet confirmed from its own mail. */
  pendingKey: { fingerprint: string; proposedAt: string } | null;
}

@Injectable()
export class MemberAccount {
  constructor(
    private readonly dataSource: DataSource,
    private readonly policies: Policies,
  ) {}

  /** The member, if it may hold a session: active or suspended. Removed or banned: null. */
  async identity(memberId: string): Promise<MemberIdentity | null> {
    const [row] = (await this.dataSource.query(
      `SELECT id, email, organisation, status FROM member WHERE id = $1 AND status IN ('active', 'suspended')`,
      [memberId],
    )) as MemberIdentity[];
    return row ?? null;
  }

  async view(memberId: string): Promise<MemberAccountView | null> {
    const [row] = (await this.dataSource.query(
      `SELECT id, email, organisation, distribution, status, key_fingerprint, key_algorithm, key_expires_at,
              acknowledged_policy_version
       FROM member WHERE id = $1 AND status IN ('active', 'suspended')`,
      [memberId],
    )) as {
      id: string;
      email: string;
      organisation: string;
      distribution: string;
      status: 'active' | 'suspended';
      key_fingerprint: string;
      key_algorithm: string;
      key_expires_at: Date | null;
      acknowledged_policy_version: number | null;
    }[];
    if (!row) return null;
    const policy = await this.policies.current();
    const acks = await new AcknowledgementRecords().ofMember(this.dataSource.manager, memberId, true);
    const [pending] = (await this.dataSource.query(
      `SELECT key_fingerprint, proposed_at FROM member_key_proposal
       WHERE member_id = $1 AND confirmed_at IS NULL AND superseded_at IS NULL ORDER BY proposed_at DESC LIMIT 1`,
      [memberId],
    )) as { key_fingerprint: string; proposed_at: Date }[];
    return {
      id: row.id,
      email: row.email,
      organisation: row.organisation,
      distribution: row.distribution,
      status: row.status,
      key: {
        fingerprint: row.key_fingerprint,
        algorithm: row.key_algorithm,
        expiresAt: row.key_expires_at ? new Date(row.key_expires_at).toISOString() : null,
      },
      policy: {
        version: policy.version,
        sha256: policy.sha256,
        body: policy.body,
        publishedAt: policy.publishedAt.toISOString(),
      },
      acknowledgedCurrent: row.acknowledged_policy_version === policy.version,
      acknowledgements: acks.map((a) => ({
        version: a.policyVersion,
        sha256: a.policySha256,
        how: a.how,
        at: a.at.toISOString(),
      })),
      pendingKey: pending
        ? { fingerprint: pending.key_fingerprint, proposedAt: new Date(pending.proposed_at).toISOString() }
        : null,
    };
  }
}
