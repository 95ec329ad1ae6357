import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SETTINGS, Settings } from '@cordon/config';
import { Evidence } from '../entities/application.entity';
import { BASIS_SQL, evidenceOf } from './reattestation-rules';

const DAY_MS = 86_400_000;

/** due: not asked yet; asked: within the grace period; overdue: past it, suspended at the next check. */
export type ReattestationState = 'due' | 'asked' | 'overdue' | 'suspended';

export interface ReattestationRow {
  memberId: string;
  organisation: string;
  email: string;
  status: string;
  lastAttestedAt: Date | null;
  dueAt: Date;
  requestedAt: Date | null;
  deadline: Date | null;
  suspendedAt: Date | null;
  state: ReattestationState;
}

export interface ReattestationOverview {
  /** REATTESTATION_DAYS > 0. */
  enabled: boolean;
  days: number;
  graceDays: number;
  rows: ReattestationRow[];
}

/** A member's own re-attestation, for its page and the maintainers' page of it. */
export interface MemberReattestation {
  enabled: boolean;
  /** REATTESTATION_DAYS. */
  days: number;
  lastAttestedAt: Date | null;
  /** When the next re-attestation is due (null when re-attestation is off). */
  dueAt: Date | null;
  /** The evidence to start from: the last attestation's, or else the application's. */
  evidence: Evidence | null;
  evidenceFrom: 'attestation' | 'application' | null;
  /** The evidence the member applied with, if it joined through an application. */
  applicationEvidence: Evidence | null;
  openRequest: { requestedAt: Date; deadline: Date; suspendedAt: Date | null } | null;
}

interface Row {
  id: string;
  organisation: string;
  email: string;
  status: string;
  last_attested_at: Date | null;
  basis_at: Date;
  requested_at: Date | null;
  suspended_at: Date | null;
}

@Injectable()
export class ReattestationQueries {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /** Members due, asked, overdue or suspended for not re-attesting: the maintainers' list. */
  async overview(now = new Date()): Promise<ReattestationOverview> {
    const { REATTESTATION_DAYS: days, REATTESTATION_GRACE_DAYS: graceDays } = this.settings;
    const rows = (await this.dataSource.query(
      `SELECT m.id, m.organisation, m.email, m.status, b.basis_at, r.requested_at, r.suspended_at,
              (SELECT max(a.attested_at) FROM member_attestation a WHERE a.member_id = m.id) AS last_attested_at
       FROM member m
       CROSS JOIN LATERAL (SELECT ${BASIS_SQL} AS basis_at) b
       LEFT JOIN LATERAL (SELECT requested_at, suspended_at FROM reattestation_request q
                          WHERE q.member_id = m.id AND q.reattested_at IS NULL
                          ORDER BY q.requested_at DESC LIMIT 1) r ON true
       WHERE m.status IN ('active', 'suspended')
         AND ((r.requested_at IS NOT NULL AND (m.status = 'active' OR r.suspended_at IS NOT NULL))
              OR ($2 > 0 AND m.status = 'active' AND b.basis_at <= $1::timestamptz - make_interval(days => $2)))
       ORDER BY b.basis_at, m.organisation`,
      [now, days],
    )) as Row[];
    return {
      enabled: days > 0,
      days,
      graceDays,
      rows: rows.map((row) => {
        const requestedAt = row.requested_at ? new Date(row.requested_at) : null;
        const deadline = requestedAt ? new Date(requestedAt.getTime() + graceDays * DAY_MS) : null;
        const suspendedAt = row.suspended_at ? new Date(row.suspended_at) : null;
        const state: ReattestationState = suspendedAt
          ? 'suspended'
          : !deadline
            ? 'due'
            : deadline <= now
              ? 'overdue'
              : 'asked';
        return {
          memberId: row.id,
          organisation: row.organisation,
          email: row.email,
          status: row.status,
          lastAttestedAt: row.last_attested_at ? new Date(row.last_attested_at) : null,
          dueAt: new Date(new Date(row.basis_at).getTime() + days * DAY_MS),
          requestedAt,
          deadline,
          suspendedAt,
          state,
        };
      }),
    };
  }

  async ofMember(memberId: string): Promise<MemberReattestation> {
    const { REATTESTATION_DAYS: days, REATTESTATION_GRACE_DAYS: graceDays } = this.settings;
    const [member] = (await this.dataSource.query(
      `SELECT ${BASIS_SQL} AS basis_at, m.application_id,
              (SELECT max(a.attested_at) FROM member_attestation a WHERE a.member_id = m.id) AS last_attested_at
       FROM member m WHERE m.id = $1`,
      [memberId],
    )) as { basis_at: Date; application_id: string | null; last_attested_at: Date | null }[];
    if (!member) {
      return {
        enabled: days > 0,
        days,
        lastAttestedAt: null,
        dueAt: null,
        evidence: null,
        evidenceFrom: null,
        applicationEvidence: null,
        openRequest: null,
      };
    }
    const [attestation] = (await this.dataSource.query(
      `SELECT evidence FROM member_attestation WHERE member_id = $1 ORDER BY attested_at DESC LIMIT 1`,
      [memberId],
    )) as { evidence: unknown }[];
    const [application] = member.application_id
      ? ((await this.dataSource.query(`SELECT evidence FROM application WHERE id = $1`, [member.application_id])) as {
          evidence: unknown;
        }[])
      : [];
    const [request] = (await this.dataSource.query(
      `SELECT requested_at, suspended_at FROM reattestation_request
       WHERE member_id = $1 AND reattested_at IS NULL ORDER BY requested_at DESC LIMIT 1`,
      [memberId],
    )) as { requested_at: Date; suspended_at: Date | null }[];
    const requestedAt = request ? new Date(request.requested_at) : null;
    return {
      enabled: days > 0,
      days,
      lastAttestedAt: member.last_attested_at ? new Date(member.last_attested_at) : null,
      dueAt: days > 0 ? new Date(new Date(member.basis_at).getTime() + days * DAY_MS) : null,
      evidence: attestation ? evidenceOf(attestation.evidence) : application ? evidenceOf(application.evidence) : null,
      evidenceFrom: attestation ? 'attestation' : application ? 'application' : null,
      applicationEvidence: application ? evidenceOf(application.evidence) : null,
      openRequest: requestedAt
        ? {
            requestedAt,
            deadline: new Date(requestedAt.getTime() + graceDays * DAY_MS),
            suspendedAt: request.suspended_at ? new Date(request.suspended_at) : null,
          }
        : null,
    };
  }
}
