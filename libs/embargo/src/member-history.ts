import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '@cordon/errors';
import { LeakReportQueries, LeakReportSummary } from './leaks/leak-report-queries';

/** One audit entry in a member's history. `details` is shown escaped, as data. */
export interface HistoryEntry {
  seq: string;
  at: string;
  actor: string;
  /** The maintainer's name when the actor is one. */
  actorName: string | null;
  action: string;
  subject: string;
  details: Record<string, unknown>;
}

export interface MemberHistoryView {
  /** Oldest first. */
  entries: HistoryEntry[];
  /** More entries matched than are shown (the newest are kept). */
  truncated: boolean;
  acknowledgements: { policyVersion: number; policySha256: string; how: string; at: string }[];
  strikes: { leakReportId: string; createdBy: string; at: string }[];
  leakReports: LeakReportSummary[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_ENTRIES = 1000;

/**
 * A member's whole history for maintainers (issue 5: "the admin UI shows a member's whole
 * history"): every audit entry about it (its own, its application's, and any whose details name
 * it, such as a leak report it filed or a copy of a post it was skipped for), in the order of the
 * hash chain, with its acknowledgements, strikes and leak reports beside.
 */
@Injectable()
export class MemberHistory {
  constructor(
    private readonly dataSource: DataSource,
    private readonly leaks: LeakReportQueries,
  ) {}

  async of(memberId: string): Promise<MemberHistoryView> {
    const [member] = UUID.test(memberId)
      ? ((await this.dataSource.query('SELECT id, application_id FROM member WHERE id = $1', [memberId])) as {
          id: string;
          application_id: string | null;
        }[])
      : [];
    if (!member) throw new DomainError('NOT_FOUND', 'There is no such member.');
    const subjects = [
      `member:${member.id}`,
      ...(member.application_id ? [`application:${member.application_id}`] : []),
    ];
    // The id is a UUID (checked above): it carries no LIKE wildcard.
    const rows = (await this.dataSource.query(
      `SELECT a.seq, a.at, a.actor, a.action, a.subject, a.details, m.name AS actor_name
       FROM audit_entry a
       LEFT JOIN maintainer m ON a.actor LIKE 'maintainer:%' AND m.id::text = substr(a.actor, 12)
       WHERE a.subject = ANY($1::text[]) OR a.details::text LIKE $2 OR a.actor = $3
       ORDER BY a.seq DESC
       LIMIT ${MAX_ENTRIES + 1}`,
      [subjects, `%${member.id}%`, `member:${member.id}`],
    )) as {
      seq: string;
      at: Date;
      actor: string;
      action: string;
      subject: string;
      details: unknown;
      actor_name: string | null;
    }[];
    const truncated = rows.length > MAX_ENTRIES;
    const entries = rows
      .slice(0, MAX_ENTRIES)
      .reverse()
      .map((row) => ({
        seq: String(row.seq),
        at: new Date(row.at).toISOString(),
        actor: row.actor,
        actorName: row.actor_name,
        action: row.action,
        subject: row.subject,
        details: (typeof row.details === 'string' ? JSON.parse(row.details) : row.details) as Record<string, unknown>,
      }));
    const acknowledgements = (
      (await this.dataSource.query(
        `SELECT policy_version, policy_sha256, how, at FROM policy_acknowledgement WHERE member_id = $1 ORDER BY at`,
        [member.id],
      )) as { policy_version: number; policy_sha256: string; how: string; at: Date }[]
    ).map((row) => ({
      policyVersion: row.policy_version,
      policySha256: row.policy_sha256,
      how: row.how,
      at: new Date(row.at).toISOString(),
    }));
    const strikes = (
      (await this.dataSource.query(
        `SELECT leak_report_id, created_by, created_at FROM strike WHERE member_id = $1 ORDER BY created_at`,
        [member.id],
      )) as { leak_report_id: string; created_by: string; created_at: Date }[]
    ).map((row) => ({
      leakReportId: row.leak_report_id,
      createdBy: row.created_by,
      at: new Date(row.created_at).toISOString(),
    }));
    return { entries, truncated, acknowledgements, strikes, leakReports: await this.leaks.aboutMember(member.id) };
  }
}
