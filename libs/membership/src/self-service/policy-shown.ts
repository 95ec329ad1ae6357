import { EntityManager } from 'typeorm';
import { DomainError } from '@cordon/errors';
import { Policies, PolicyVersion } from '@cordon/policy';

/**
 * The current policy, if it is the version the page showed: nobody agrees to a text it did not
 * see. If another was published meanwhile, the acknowledgement is refused and nothing recorded.
 */
export async function currentPolicyAsShown(
  manager: EntityManager,
  policies: Policies,
  shownVersion: number,
): Promise<PolicyVersion> {
  const policy = await policies.current(manager);
  if (policy.version !== shownVersion) {
    throw new DomainError(
      'INVALID_INPUT',
      'A new version of the Embargo Policy was published while you were reading. Read it and acknowledge it.',
      'version',
    );
  }
  return policy;
}
