import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '@cordon/errors';
import { Policies } from '@cordon/policy';
import { activeMemberForUpdate } from './active-member';
import { currentPolicyAsShown } from './policy-shown';

/**
 * A member acknowledges the current Embargo Policy in its session (docs/architecture.md: "A member receives
 * list mail only while it has acknowledged the current version"). `version` is the one the page
 * showed: if another was published meanwhile, nothing is recorded.
 */
@Injectable()
export class AcknowledgeCurrentPolicy {
  constructor(
    private readonly dataSource: DataSource,
    private readonly policies: Policies,
  ) {}

  async execute(memberId: string, version: number): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const member = await activeMemberForUpdate(manager, memberId);
      const policy = await currentPolicyAsShown(manager, this.policies, version);
      if (member.acknowledgedPolicyVersion === policy.version) {
        throw new DomainError('WRONG_STATE', `You have already acknowledged version ${policy.version}.`, 'version');
      }
      await this.policies.acknowledge(manager, memberId, policy, 'self_service', `member:${memberId}`);
    });
  }
}
