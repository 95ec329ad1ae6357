import { EntityManager } from 'typeorm';
import { DomainError } from '@cordon/errors';
import { MaintainerLookup } from '@cordon/maintainers';
import { normalisedBanValue } from '../bans/bans';

/** Application states in which its contact address is spoken for (as SubmitApplication sees it). */
const OPEN_APPLICATION = ['awaiting_vouch', 'vouch_declined', 'in_review', 'needs_info'];

/**
 * The one refusal for an address a member may not move to, whoever holds it: another member, an
 * open application, a maintainer, or a ban. It names none of them, so that asking for an address
 * never tells whether someone is, or is applying to be, on the list (README "Member self-service").
 */
export const ADDRESS_UNAVAILABLE =
  'This address cannot be used for your membership. Choose another, or ask the maintainers.';

/**
 * Refuses an address that is already someone else's on the list. Compared without regard to case,
 * as every address lookup here is (the relay finds a sender by lower(email)): two members with the
 * same address would each receive, and be taken for, the other.
 */
export async function assertAddressFree(
  manager: EntityManager,
  memberId: string,
  email: string,
  confirmLinkHours: number,
): Promise<void> {
  const value = normalisedBanValue('email', email);
  const taken = (await manager.query(
    `SELECT 1 FROM member WHERE lower(email) = $1 AND id <> $2 AND status IN ('active', 'suspended')
     UNION ALL
     SELECT 1 FROM application WHERE lower(contact_email) = $1
       AND (status = ANY($3::text[])
            OR (status = 'unconfirmed' AND created_at > now() - make_interval(hours => $4)))
     UNION ALL
     SELECT 1 FROM ban WHERE kind = 'email' AND value = $1
     LIMIT 1`,
    [value, memberId, OPEN_APPLICATION, confirmLinkHours],
  )) as unknown[];
  if (taken.length || (await new MaintainerLookup().anyWithAddress(manager, value))) {
    throw new DomainError('INVALID_INPUT', ADDRESS_UNAVAILABLE, 'email');
  }
}
