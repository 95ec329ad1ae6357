import { EntityManager } from 'typeorm';
import { inAudience, MemberEligibilityQueries } from '@cordon/membership';
import { EmbargoAudiences } from '../audience/embargo-audiences';

/**
 * Which of these embargoes' audiences hold the member, by the one rule's `inAudience` over the
 * embargo's circumstances and the member's products (docs/architecture.md, invariant 2). Reads no
 * key: asking whether a member may state a status costs two queries, not a parse of every key.
 */
export async function audiencesHolding(
  manager: EntityManager,
  embargoIds: string[],
  memberId: string,
): Promise<Set<string>> {
  const member = (await new MemberEligibilityQueries().current(manager, [memberId])).get(memberId);
  if (!member) return new Set();
  const circumstances = await new EmbargoAudiences().circumstances(manager, embargoIds);
  return new Set(
    [...circumstances]
      .filter(([, embargo]) => inAudience({ memberId, products: member.products }, embargo.audience))
      .map(([id]) => id),
  );
}
