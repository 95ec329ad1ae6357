import { Injectable } from '@nestjs/common';
import { PublicKey } from 'openpgp';
import { EntityManager } from 'typeorm';
import { readOneKey } from '@cordon/crypto';
import { DomainError } from '@cordon/errors';
import {
  AudienceRule,
  completeVerdict,
  EligibilityCandidate,
  inAudience,
  INELIGIBILITY,
  MemberEligibilityQueries,
} from '@cordon/membership';
import { CurrentPolicyVersion } from '@cordon/policy';
import { AudienceMode, EmbargoStatus } from '../embargo.entity';
import { canEncryptAt } from '../recipients';

/**
 * What the one eligibility rule reads about an embargo (libs/membership/src/eligibility): whether
 * it has ended, and who its audience is.
 */
export interface EmbargoCircumstances {
  ended: boolean;
  audience: AudienceRule;
}

/** Why a member is in an embargo's audience, or not. */
export type AudienceWhy = 'everyone' | 'product' | 'included' | 'excluded' | 'no_product';

/** Who an embargo's mail reaches, member by member: shown to maintainers before the first post. */
export interface AudienceView {
  mode: AudienceMode;
  products: string[];
  members: {
    memberId: string;
    organisation: string;
    email: string;
    products: string[];
    inAudience: boolean;
    why: AudienceWhy;
    /** Whether a post of it would reach the member now (the whole rule, its audience included). */
    eligible: boolean;
    /** When not eligible, why (the rule's words). */
    reason: string | null;
  }[];
}

interface EmbargoRow {
  id: string;
  status: EmbargoStatus;
  audience_mode: AudienceMode;
  products: string[];
}

interface PickRow {
  embargo_id: string;
  member_id: string;
  pick: 'include' | 'exclude';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * An embargo's audience (issue 14; docs/architecture.md, invariant 2): built from its row (mode,
 * affected products) and the maintainers' picks, for every sender of its mail to hand to the one
 * rule, and the member-by-member view the admin page and the API show. Holds no state; safe to make
 * with `new` (the relay's send-time check does).
 */
@Injectable()
export class EmbargoAudiences {
  private readonly standings = new MemberEligibilityQueries();
  private readonly policy = new CurrentPolicyVersion();

  /** Each embargo's circumstances, by id; an id that is no embargo's is left out. */
  async circumstances(manager: EntityManager, embargoIds: string[]): Promise<Map<string, EmbargoCircumstances>> {
    const ids = [...new Set(embargoIds)].filter((id) => UUID.test(id));
    if (ids.length === 0) return new Map();
    const rows = (await manager.query(
      'SELECT id, status, audience_mode, products FROM embargo WHERE id = ANY($1::uuid[])',
      [ids],
    )) as EmbargoRow[];
    const picks = (await manager.query(
      'SELECT embargo_id, member_id, pick FROM embargo_audience_pick WHERE embargo_id = ANY($1::uuid[])',
      [ids],
    )) as PickRow[];
    const picked = (row: EmbargoRow, pick: PickRow['pick']) =>
      picks.filter((p) => p.embargo_id === row.id && p.pick === pick).map((p) => p.member_id);
    return new Map(
      rows.map((row) => [
        row.id,
        {
          ended: row.status !== 'active',
          audience: {
            everyone: row.audience_mode === 'all',
            products: row.products,
            include: picked(row, 'include'),
            exclude: picked(row, 'exclude'),
          },
        },
      ]),
    );
  }

  /** One embargo's circumstances; NOT_FOUND when there is no such embargo. */
  async of(manager: EntityManager, embargoId: string): Promise<EmbargoCircumstances> {
    const found = (await this.circumstances(manager, [embargoId])).get(embargoId);
    if (!found) throw new DomainError('NOT_FOUND', 'No such embargo.');
    return found;
  }

  /** Every member on the list, whether the embargo's audience holds it and why, and whether its mail would reach it now. */
  async members(manager: EntityManager, embargoId: string, now = new Date()): Promise<AudienceView> {
    const embargo = await this.of(manager, embargoId);
    const post = { currentPolicyVersion: await this.policy.of(manager), embargo };
    const candidates = await this.standings.candidates(manager, post, now);
    const members: AudienceView['members'] = [];
    for (const candidate of candidates) {
      const verdict = completeVerdict(
        candidate.verdict,
        { ...candidate, keyCanEncrypt: await keyCanEncrypt(candidate, now) },
        post,
        now,
      );
      members.push({
        memberId: candidate.memberId,
        organisation: candidate.organisation,
        email: candidate.email,
        products: candidate.products ?? [],
        inAudience: inAudience(candidate, embargo.audience),
        why: whyOf(candidate, embargo.audience),
        eligible: verdict.eligible,
        reason: verdict.eligible ? null : INELIGIBILITY[verdict.reason].words,
      });
    }
    return {
      mode: embargo.audience.everyone ? 'all' : 'products',
      products: embargo.audience.products,
      members,
    };
  }
}

/** A pick is the reason whenever there is one; then everyone, then the products. */
function whyOf(candidate: EligibilityCandidate, audience: AudienceRule): AudienceWhy {
  if (audience.exclude.includes(candidate.memberId)) return 'excluded';
  if (audience.include.includes(candidate.memberId)) return 'included';
  if (audience.everyone) return 'everyone';
  return inAudience(candidate, audience) ? 'product' : 'no_product';
}

async function keyCanEncrypt(candidate: EligibilityCandidate, now: Date) {
  let key: PublicKey;
  try {
    key = (await readOneKey(candidate.keyArmored)) as PublicKey;
  } catch {
    return 'KEY_UNUSABLE' as const;
  }
  const can = await canEncryptAt(key, now);
  return can === true ? true : can === 'key_expired' ? ('KEY_EXPIRED' as const) : ('KEY_UNUSABLE' as const);
}
