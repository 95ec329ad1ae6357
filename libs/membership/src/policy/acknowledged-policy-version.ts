import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AcknowledgementFollowUps } from '@cordon/policy';

/**
 * The member's record of the last Embargo Policy version it acknowledged, which eligibility reads
 * (docs/architecture.md, invariant 2). The policy lib records the acknowledgement itself but sits
 * below membership (docs/architecture.md, Layout), so this write is registered with it as a
 * follow-up, run inside the acknowledgement's transaction.
 */
@Injectable()
export class AcknowledgedPolicyVersion {
  constructor(followUps: AcknowledgementFollowUps) {
    followUps.register((manager, { memberId, policy }) => this.record(manager, memberId, policy.version));
  }

  async record(manager: EntityManager, memberId: string, version: number): Promise<void> {
    await manager.query('UPDATE member SET acknowledged_policy_version = $2, updated_at = now() WHERE id = $1', [
      memberId,
      version,
    ]);
  }
}
