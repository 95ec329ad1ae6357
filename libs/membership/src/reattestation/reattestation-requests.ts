import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { Outbox, PollingLoop } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { BASIS_SQL, NOT_REATTESTED_REASON } from './reattestation-rules';
import { reattestationMail } from './reattestation-mail';

/** Requests are days apart: each worker looks once an hour; every request and suspension happens once. */
const LOOK_EVERY_MS = 3_600_000;

interface DueMember {
  id: string;
  email: string;
  organisation: string;
  key_armored: string;
  basis_at: Date;
}

interface OverdueRequest {
  member_id: string;
  basis_at: Date;
  requested_at: Date;
}

export interface ReattestationRound {
  asked: number;
  suspended: number;
}

/**
 * Annual re-attestation (issue 6, "Watch it"). An active member whose last attestation (or joining)
 * is REATTESTATION_DAYS old is asked, encrypted, to confirm criteria 1–5 in self-service; one that
 * has not REATTESTATION_GRACE_DAYS after the request is suspended, and it and the maintainers are
 * told. The request is a row keyed by the member and the attestation it renews, written in the
 * mail's transaction, so several workers ask once; the suspension claims the row the same way.
 */
@Injectable()
export class ReattestationRequests implements OnModuleDestroy {
  private readonly logger = new Logger('reattestation');
  private readonly loop: PollingLoop;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly audit: AuditLog,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {
    this.loop = new PollingLoop(
      () => this.runOnce(),
      LOOK_EVERY_MS,
      (error) => this.logger.error('re-attestation check failed', (error as Error)?.stack),
    );
  }

  start(): void {
    if (this.settings.REATTESTATION_DAYS > 0) this.loop.start();
  }

  /** Waits for a check in progress, so that it does not outlive the database connection. */
  onModuleDestroy(): Promise<void> {
    return this.loop.stop();
  }

  /** Asks the members due at `now` and suspends those past the grace period. REATTESTATION_DAYS=0: nothing. */
  async runOnce(now = new Date()): Promise<ReattestationRound> {
    if (this.settings.REATTESTATION_DAYS <= 0) return { asked: 0, suspended: 0 };
    const due = (await this.dataSource.query(
      `SELECT m.id, m.email, m.organisation, m.key_armored, b.basis_at
       FROM member m CROSS JOIN LATERAL (SELECT ${BASIS_SQL} AS basis_at) b
       WHERE m.status = 'active' AND b.basis_at <= $1::timestamptz - make_interval(days => $2)
         AND NOT EXISTS (SELECT 1 FROM reattestation_request r WHERE r.member_id = m.id AND r.basis_at = b.basis_at)
       ORDER BY b.basis_at, m.id`,
      [now, this.settings.REATTESTATION_DAYS],
    )) as DueMember[];
    let asked = 0;
    for (const member of due) {
      try {
        if (await this.dataSource.transaction((manager) => this.ask(manager, member, now))) asked++;
      } catch (error) {
        // The member's key cannot be encrypted to: nothing was recorded, so it is asked again next time.
        if (!(error instanceof DomainError)) throw error;
        this.logger.warn(`re-attestation request not sent to member ${member.id}: ${error.code}`);
      }
    }
    const overdue = (await this.dataSource.query(
      `SELECT r.member_id, r.basis_at, r.requested_at FROM reattestation_request r JOIN member m ON m.id = r.member_id
       WHERE r.reattested_at IS NULL AND r.suspended_at IS NULL AND m.status = 'active'
         AND r.requested_at <= $1::timestamptz - make_interval(days => $2)
       ORDER BY r.requested_at, r.member_id`,
      [now, this.settings.REATTESTATION_GRACE_DAYS],
    )) as OverdueRequest[];
    let suspended = 0;
    for (const request of overdue) {
      if (await this.dataSource.transaction((manager) => this.suspend(manager, request, now))) suspended++;
    }
    return { asked, suspended };
  }

  private async ask(manager: EntityManager, member: DueMember, now: Date): Promise<boolean> {
    const basisAt = new Date(member.basis_at);
    // Still active and still due on that basis (another worker, or a re-attestation, may have come first).
    const claimed = (await manager.query(
      `INSERT INTO reattestation_request (member_id, basis_at, requested_at)
       SELECT m.id, $2, $3 FROM member m WHERE m.id = $1 AND m.status = 'active' AND ${BASIS_SQL} = $2
       ON CONFLICT DO NOTHING RETURNING member_id`,
      [member.id, basisAt, now],
    )) as unknown[];
    if (!claimed.length) return false;
    await this.outbox.send(manager, {
      purpose: 'member.reattestation_request',
      to: member.email,
      recipientKey: member.key_armored,
      ...reattestationMail.request(
        this.settings.LIST_NAME,
        member.organisation,
        `${this.settings.publicUrl}/member`,
        this.settings.REATTESTATION_GRACE_DAYS,
      ),
    });
    await this.audit.append(manager, {
      actor: 'system',
      action: 'member.reattestation_requested',
      subject: `member:${member.id}`,
      details: {
        lastAttestedOrJoined: basisAt.toISOString(),
        deadline: new Date(now.getTime() + this.settings.REATTESTATION_GRACE_DAYS * 86_400_000).toISOString(),
      },
    });
    return true;
  }

  private async suspend(manager: EntityManager, request: OverdueRequest, now: Date): Promise<boolean> {
    const basisAt = new Date(request.basis_at);
    // The member first (as a re-attestation locks it): one suspended by a maintainer meanwhile stays so.
    const [member] = (await manager.query(
      `SELECT id, email, organisation, key_armored FROM member WHERE id = $1 AND status = 'active' FOR UPDATE`,
      [request.member_id],
    )) as { id: string; email: string; organisation: string; key_armored: string }[];
    if (!member) return false;
    // Claimed under the request's row: a second worker finds it suspended (or answered) and stops.
    const claimed = (await manager.query(
      `UPDATE reattestation_request r SET suspended_at = $3
       WHERE r.member_id = $1 AND r.basis_at = $2 AND r.reattested_at IS NULL AND r.suspended_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM member_attestation a
                         WHERE a.member_id = r.member_id AND date_trunc('milliseconds', a.attested_at) > r.basis_at)
       RETURNING r.member_id`,
      [request.member_id, basisAt, now],
    )) as unknown[];
    if (!claimed.length) return false;
    await manager.query(`UPDATE member SET status = 'suspended', status_reason = $2, updated_at = $3 WHERE id = $1`, [
      member.id,
      NOT_REATTESTED_REASON,
      now,
    ]);
    await this.audit.append(manager, {
      actor: 'system',
      action: 'member.suspended',
      subject: `member:${member.id}`,
      details: {
        from: 'active',
        to: 'suspended',
        reason: 'not_reattested',
        requestedAt: new Date(request.requested_at).toISOString(),
      },
    });
    const link = `${this.settings.publicUrl}/member`;
    try {
      await this.outbox.send(manager, {
        purpose: 'member.suspended',
        to: member.email,
        recipientKey: member.key_armored,
        ...reattestationMail.suspended(this.settings.LIST_NAME, member.organisation, link),
      });
    } catch (error) {
      // A key that can no longer be encrypted to does not keep the member from being suspended.
      if (!(error instanceof DomainError)) throw error;
      this.logger.warn(`suspension notice not sent to member ${member.id}: ${error.code}`);
    }
    await this.outbox.sendToMaintainers(manager, {
      purpose: 'member.reattestation_suspended',
      ...reattestationMail.maintainerNotice(
        this.settings.LIST_NAME,
        'suspended',
        member,
        `${this.settings.publicUrl}/admin/members#reattestation`,
      ),
    });
    return true;
  }
}
