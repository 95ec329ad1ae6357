import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { Outbox } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { Evidence } from '../entities/application.entity';
import { Member } from '../entities/member.entity';
import { reattestationMail } from './reattestation-mail';
import { ATTESTATION_EVIDENCE_MAX, CRITERIA, evidenceOf, NOT_REATTESTED_REASON } from './reattestation-rules';

export interface Reattested {
  attestedAt: Date;
  /** True when the member had been suspended only for not re-attesting, and is active again. */
  reinstated: boolean;
}

/**
 * A member confirms in self-service that criteria 1–5 still hold, with its evidence (issue 6,
 * "Watch it"). The attestation answers any open request; a member suspended only for not
 * re-attesting is reinstated, and it and the maintainers are told. A member a maintainer suspended
 * for another reason may attest, and stays suspended.
 */
@Injectable()
export class ReattestMember {
  private readonly logger = new Logger('reattestation');

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly outbox: Outbox,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /** `confirmed` lists the criteria the member ticked: all five, or nothing is recorded. */
  async execute(memberId: string, confirmed: readonly string[], evidence: Evidence): Promise<Reattested> {
    const missing = CRITERIA.filter((n) => !confirmed.includes(n));
    if (missing.length) {
      throw new DomainError(
        'INVALID_INPUT',
        `Confirm criterion ${missing.join(', ')} too, or it cannot be recorded.`,
        `confirm${missing[0]}`,
      );
    }
    for (const n of CRITERIA) {
      if (typeof evidence[n] !== 'string' || evidence[n].length > ATTESTATION_EVIDENCE_MAX) {
        throw new DomainError('INVALID_INPUT', `At most ${ATTESTATION_EVIDENCE_MAX} characters.`, `evidence${n}`);
      }
    }
    return this.dataSource.transaction(async (manager) => {
      const member = await manager.findOne(Member, { where: { id: memberId }, lock: { mode: 'pessimistic_write' } });
      if (!member || (member.status !== 'active' && member.status !== 'suspended')) {
        throw new DomainError('NOT_AUTHENTICATED', 'Your session has ended. Ask for a new link.');
      }
      // A JS Date keeps milliseconds, which the request keys are compared at.
      const now = new Date();
      const [previous] = (await manager.query(
        `SELECT evidence FROM member_attestation WHERE member_id = $1 ORDER BY attested_at DESC LIMIT 1`,
        [member.id],
      )) as { evidence: unknown }[];
      const before = previous ? evidenceOf(previous.evidence) : await applicationEvidence(manager, member);
      await manager.query(
        `INSERT INTO member_attestation (id, member_id, attested_at, evidence, attested_by) VALUES ($1, $2, $3, $4::jsonb, $5)`,
        [randomUUID(), member.id, now, JSON.stringify(evidence), `member:${member.id}`],
      );
      const answered = (await manager.query(
        `UPDATE reattestation_request SET reattested_at = $2 WHERE member_id = $1 AND reattested_at IS NULL
         RETURNING suspended_at`,
        [member.id, now],
      )) as { suspended_at: Date | null }[];
      await this.audit.append(manager, {
        actor: `member:${member.id}`,
        action: 'member.reattested',
        subject: `member:${member.id}`,
        // Which evidence changed, not the evidence itself: the audit log is not encrypted.
        details: {
          criteria: [...CRITERIA],
          evidenceChanged: CRITERIA.filter((n) => (before?.[n] ?? '') !== evidence[n]),
          answeredRequest: answered.length > 0,
        },
      });
      const reinstated =
        member.status === 'suspended' &&
        member.statusReason === NOT_REATTESTED_REASON &&
        answered.some((request) => request.suspended_at !== null);
      if (reinstated) {
        const reason = `Re-attested membership criteria 1–5 on ${now.toISOString().slice(0, 10)}.`;
        await manager.update(Member, member.id, { status: 'active', statusReason: reason, updatedAt: now });
        await this.audit.append(manager, {
          actor: `member:${member.id}`,
          action: 'member.reinstated',
          subject: `member:${member.id}`,
          details: { from: 'suspended', to: 'active', reason: 'reattested' },
        });
        try {
          await this.outbox.send(manager, {
            purpose: 'member.active',
            to: member.email,
            recipientKey: member.keyArmored,
            ...reattestationMail.reinstated(this.settings.LIST_NAME, member.organisation),
          });
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          this.logger.warn(`reinstatement notice not sent to member ${member.id}: ${error.code}`);
        }
        await this.outbox.sendToMaintainers(manager, {
          purpose: 'member.reattestation_reinstated',
          ...reattestationMail.maintainerNotice(
            this.settings.LIST_NAME,
            'reinstated',
            member,
            `${this.settings.publicUrl}/admin/members/${member.id}`,
          ),
        });
      }
      return { attestedAt: now, reinstated };
    });
  }
}

/** The evidence the member applied with, if it joined through an application. */
async function applicationEvidence(manager: EntityManager, member: Member): Promise<Evidence | null> {
  if (!member.applicationId) return null;
  const [row] = (await manager.query(`SELECT evidence FROM application WHERE id = $1`, [member.applicationId])) as {
    evidence: unknown;
  }[];
  return row ? evidenceOf(row.evidence) : null;
}
