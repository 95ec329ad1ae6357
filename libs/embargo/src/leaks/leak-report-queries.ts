import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '@cordon/errors';
import { embargoTag } from '../embargo-queries';
import { LeakReporterKind, LeakReportStatus, leakReportStatuses } from './leak-report.entity';

/** A leak report in the maintainers' queue. */
export interface LeakReportSummary {
  id: string;
  status: LeakReportStatus;
  embargoId: string | null;
  /** EMB-12, or null when the report names no embargo. */
  embargoTag: string | null;
  reporterKind: LeakReporterKind;
  selfReported: boolean;
  createdAt: string;
  /** The organisation of the member it is attributed to, once confirmed. */
  attributedTo: { memberId: string; organisation: string; status: string } | null;
}

/** Everything about a report, for its page and the API. Free text is shown escaped, never as HTML. */
export interface LeakReportView extends LeakReportSummary {
  embargoTitle: string | null;
  embargoStatus: string | null;
  whatLeaked: string;
  leakedTo: string;
  leakedAt: string | null;
  evidence: string;
  reporter: { memberId: string; organisation: string } | { maintainerId: string; name: string } | null;
  reporterContact: string | null;
  suspected: { memberId: string; organisation: string } | null;
  triageReason: string | null;
  triagedBy: { maintainerId: string; name: string } | null;
  triagedAt: string | null;
  embargoBroken: boolean;
}

interface Row {
  id: string;
  status: LeakReportStatus;
  embargo_id: string | null;
  embargo_number: number | null;
  embargo_title: string | null;
  embargo_status: string | null;
  reporter_kind: LeakReporterKind;
  self_reported: boolean;
  created_at: Date;
  attributed_member_id: string | null;
  attributed_organisation: string | null;
  attributed_status: string | null;
}

interface DetailRow extends Row {
  what_leaked: string;
  leaked_to: string;
  leaked_at: Date | null;
  evidence: string;
  reporter_member_id: string | null;
  reporter_organisation: string | null;
  reporter_maintainer_id: string | null;
  reporter_maintainer_name: string | null;
  reporter_contact: string | null;
  suspected_member_id: string | null;
  suspected_organisation: string | null;
  triage_reason: string | null;
  triaged_by: string | null;
  triaged_by_name: string | null;
  triaged_at: Date | null;
  embargo_broken: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const SUMMARY = `
  r.id, r.status, r.embargo_id, e.number AS embargo_number, e.title AS embargo_title, e.status AS embargo_status,
  r.reporter_kind, r.self_reported, r.created_at, r.attributed_member_id, am.organisation AS attributed_organisation,
  am.status AS attributed_status`;

const FROM = `
  FROM leak_report r
  LEFT JOIN embargo e ON e.id = r.embargo_id
  LEFT JOIN member am ON am.id = r.attributed_member_id`;

@Injectable()
export class LeakReportQueries {
  constructor(private readonly dataSource: DataSource) {}

  /** Open reports first, oldest first (they wait longest); then the triaged ones, latest first. */
  async list(status?: LeakReportStatus): Promise<LeakReportSummary[]> {
    if (status !== undefined && !leakReportStatuses.includes(status)) {
      throw new DomainError('INVALID_INPUT', `status must be one of: ${leakReportStatuses.join(', ')}`, 'status');
    }
    const rows = (await this.dataSource.query(
      `SELECT ${SUMMARY} ${FROM}
       WHERE $1::text IS NULL OR r.status = $1
       ORDER BY CASE WHEN r.status = 'open' THEN 0 ELSE 1 END,
                CASE WHEN r.status = 'open' THEN r.created_at END ASC,
                r.triaged_at DESC, r.created_at DESC
       LIMIT 500`,
      [status ?? null],
    )) as Row[];
    return rows.map(summary);
  }

  async get(id: string): Promise<LeakReportView> {
    const [row] = UUID.test(id)
      ? ((await this.dataSource.query(
          `SELECT ${SUMMARY}, r.what_leaked, r.leaked_to, r.leaked_at, r.evidence,
                  r.reporter_member_id, rm.organisation AS reporter_organisation,
                  r.reporter_maintainer_id, rmt.name AS reporter_maintainer_name, r.reporter_contact,
                  r.suspected_member_id, sm.organisation AS suspected_organisation,
                  r.triage_reason, r.triaged_by, tm.name AS triaged_by_name, r.triaged_at, r.embargo_broken
           ${FROM}
           LEFT JOIN member rm ON rm.id = r.reporter_member_id
           LEFT JOIN maintainer rmt ON rmt.id = r.reporter_maintainer_id
           LEFT JOIN member sm ON sm.id = r.suspected_member_id
           LEFT JOIN maintainer tm ON tm.id = r.triaged_by
           WHERE r.id = $1`,
          [id],
        )) as DetailRow[])
      : [];
    if (!row) throw new DomainError('NOT_FOUND', 'There is no such leak report.');
    return {
      ...summary(row),
      embargoTitle: row.embargo_title,
      embargoStatus: row.embargo_status,
      whatLeaked: row.what_leaked,
      leakedTo: row.leaked_to,
      leakedAt: iso(row.leaked_at),
      evidence: row.evidence,
      reporter: row.reporter_member_id
        ? { memberId: row.reporter_member_id, organisation: row.reporter_organisation ?? '' }
        : row.reporter_maintainer_id
          ? { maintainerId: row.reporter_maintainer_id, name: row.reporter_maintainer_name ?? '' }
          : null,
      reporterContact: row.reporter_contact,
      suspected: row.suspected_member_id
        ? { memberId: row.suspected_member_id, organisation: row.suspected_organisation ?? '' }
        : null,
      triageReason: row.triage_reason,
      triagedBy: row.triaged_by ? { maintainerId: row.triaged_by, name: row.triaged_by_name ?? '' } : null,
      triagedAt: iso(row.triaged_at),
      embargoBroken: row.embargo_broken,
    };
  }

  /** The reports a member filed, is suspected in, or is attributed, for its history. */
  async aboutMember(memberId: string): Promise<LeakReportSummary[]> {
    if (!UUID.test(memberId)) return [];
    const rows = (await this.dataSource.query(
      `SELECT ${SUMMARY} ${FROM}
       WHERE r.reporter_member_id = $1 OR r.suspected_member_id = $1 OR r.attributed_member_id = $1
       ORDER BY r.created_at`,
      [memberId],
    )) as Row[];
    return rows.map(summary);
  }
}

function summary(row: Row): LeakReportSummary {
  return {
    id: row.id,
    status: row.status,
    embargoId: row.embargo_id,
    embargoTag: row.embargo_number === null ? null : embargoTag(row.embargo_number),
    reporterKind: row.reporter_kind,
    selfReported: row.self_reported,
    createdAt: new Date(row.created_at).toISOString(),
    attributedTo: row.attributed_member_id
      ? {
          memberId: row.attributed_member_id,
          organisation: row.attributed_organisation ?? '',
          status: row.attributed_status ?? '',
        }
      : null,
  };
}

function iso(value: Date | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}
