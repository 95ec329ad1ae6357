import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { DomainError } from '@cordon/errors';
import { MemberLookup } from '@cordon/membership';
import { embargoTag } from '../embargo-queries';
import { Embargo } from '../embargo.entity';
import { audiencesHolding } from './audience-holds';
import { EmbargoMemberStatus, MemberEmbargoStatusKind, memberEmbargoStatuses, StatusVia } from './member-status.entity';

/** What a member states: `fixedVersion` goes with `fixed`, `publishAt` with `will_publish`. */
export interface MemberStatusInput {
  status: MemberEmbargoStatusKind;
  fixedVersion?: string | null;
  publishAt?: Date | null;
}

/** A version as packages name them ("1.2.3", "2:1.4-3ubuntu0.2", "v5.10.y"): no spaces, no markup. */
export const FIXED_VERSION = /^[A-Za-z0-9][A-Za-z0-9._+~:-]{0,63}$/;

/** Where the member is refused, in words that never tell whether another member is in the audience. */
const NOT_IN_AUDIENCE = 'Only a member in the embargo\u2019s audience states its status for it.';

/**
 * A member states its status for a running embargo (issue 14): affected, not affected, fixed in a
 * version, or will publish at a moment; by itself (self-service, signed mail) or through a
 * maintainer (the API). Only an active member in the embargo's audience (the one rule's, see
 * EmbargoAudiences) states one; a new statement replaces the previous, and each is audited with
 * what it replaced. Bad input changes nothing (docs/architecture.md, invariant 7).
 */
@Injectable()
export class SetMemberEmbargoStatus {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
  ) {}

  /** In its own transaction, or in the caller's (`manager`). `actor`: `member:<id>` or `maintainer:<id>`. */
  async execute(
    embargoId: string,
    memberId: string,
    input: MemberStatusInput,
    via: StatusVia,
    actor: string,
    manager?: EntityManager,
  ): Promise<EmbargoMemberStatus> {
    const row = checked(input);
    if (!manager) return this.dataSource.transaction((m) => this.execute(embargoId, memberId, input, via, actor, m));
    const member = await new MemberLookup().of(manager, memberId, ['active'], true);
    if (!member) throw new DomainError('FORBIDDEN', 'Only an active member states its status for an embargo.');
    const embargo = await manager.findOne(Embargo, { where: { id: embargoId }, lock: { mode: 'pessimistic_write' } });
    if (!embargo) throw new DomainError('NOT_FOUND', 'There is no such embargo.');
    if (embargo.status !== 'active') {
      throw new DomainError(
        'WRONG_STATE',
        `This embargo is ${embargo.status}: statuses are taken while it runs.`,
        'status',
      );
    }
    if (!(await audiencesHolding(manager, [embargoId], memberId)).has(embargoId)) {
      throw new DomainError('FORBIDDEN', NOT_IN_AUDIENCE);
    }
    const previous = await manager.findOneBy(EmbargoMemberStatus, { embargoId, memberId });
    const next = manager.create(EmbargoMemberStatus, { embargoId, memberId, ...row, via, updatedAt: new Date() });
    if (previous) {
      const { status, fixedVersion, publishAt, updatedAt } = next;
      await manager.update(
        EmbargoMemberStatus,
        { embargoId, memberId },
        { status, fixedVersion, publishAt, via, updatedAt },
      );
    } else {
      await manager.insert(EmbargoMemberStatus, next);
    }
    await this.audit.append(manager, {
      actor,
      action: 'embargo.member_status_set',
      subject: `embargo:${embargoId}`,
      details: {
        embargo: embargoTag(embargo.number),
        memberId,
        ...summary(next),
        via,
        replaces: previous ? summary(previous) : null,
      },
    });
    return next;
  }
}

function summary(row: EmbargoMemberStatus) {
  return { status: row.status, fixedVersion: row.fixedVersion, publishAt: row.publishAt?.toISOString() ?? null };
}

function checked(input: MemberStatusInput): Pick<EmbargoMemberStatus, 'status' | 'fixedVersion' | 'publishAt'> {
  if (!memberEmbargoStatuses.includes(input.status)) {
    throw new DomainError('INVALID_INPUT', 'Choose affected, not affected, fixed, or will publish.', 'status');
  }
  if (input.status === 'fixed') {
    const version = (input.fixedVersion ?? '').trim();
    if (!FIXED_VERSION.test(version)) {
      throw new DomainError(
        'INVALID_INPUT',
        'Give the version that fixes it as its package names it (letters, digits and . _ + ~ : -, at most 64).',
        'fixedVersion',
      );
    }
    return { status: 'fixed', fixedVersion: version, publishAt: null };
  }
  if (input.status === 'will_publish') {
    const at = input.publishAt;
    if (
      !(at instanceof Date) ||
      Number.isNaN(at.getTime()) ||
      at.getUTCFullYear() < 2000 ||
      at.getUTCFullYear() > 2999
    ) {
      throw new DomainError(
        'INVALID_INPUT',
        'Give the moment you will publish as a date, time and time zone.',
        'publishAt',
      );
    }
    return { status: 'will_publish', fixedVersion: null, publishAt: at };
  }
  return { status: input.status, fixedVersion: null, publishAt: null };
}
