import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '@cordon/errors';
import { MaintainerLookup, MaintainerOutline } from '@cordon/maintainers';
import { MemberLookup, MemberOutline } from '@cordon/membership';
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
}

interface DetailRow extends Row {
  what_leaked: string;
  leaked_to: string;
  leaked_at: Date | null;
  evidence: string;
  reporter_member_id: string | null;
  reporter_maintainer_id: string | null;
  reporter_contact: string | null;
  suspected_member_id: string | null;
  triage_reason: string | null;
  triaged_by: string | null;
  triaged_at: Date | null;
  embargo_broken: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const SUMMARY = `
  r.id, r.status, r.embargo_id, e.number AS embargo_number, e.title AS embargo_title, e.status AS embargo_status,
  r.reporter_kind, r.self_reported, r.created_at, r.attributed_member_id`;

const FROM = `
  FROM leak_report r
  LEFT JOIN embargo e ON e.id = r.embargo_id`;

/** The members and maintainers some reports name, as their libs tell them (docs/architecture.md, Layout). */
interface Names {
  members: Map<string, MemberOutline>;
  maintainers: Map<string, MaintainerOutline>;
}

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
    const names = await this.namesIn(rows);
    return rows.map((row) => summary(row, names));
  }

  async get(id: string): Promise<LeakReportView> {
    const [row] = UUID.test(id)
      ? ((await this.dataSource.query(
          `SELECT ${SUMMARY}, r.what_leaked, r.leaked_to, r.leaked_at, r.evidence, r.reporter_member_id,
                  r.reporter_maintainer_id, r.reporter_contact, r.suspected_member_id,
                  r.triage_reason, r.triaged_by, r.triaged_at, r.embargo_broken
           ${FROM}
           WHERE r.id = $1`,
          [id],
        )) as DetailRow[])
      : [];
    if (!row) throw new DomainError('NOT_FOUND', 'There is no such leak report.');
    const names = await this.namesIn([row]);
    const organisationOf = (id: string) => names.members.get(id)?.organisation ?? '';
    const nameOf = (id: string) => names.maintainers.get(id)?.name ?? '';
    return {
      ...summary(row, names),
      embargoTitle: row.embargo_title,
      embargoStatus: row.embargo_status,
      whatLeaked: row.what_leaked,
      leakedTo: row.leaked_to,
      leakedAt: iso(row.leaked_at),
      evidence: row.evidence,
      reporter: row.reporter_member_id
        ? { memberId: row.reporter_member_id, organisation: organisationOf(row.reporter_member_id) }
        : row.reporter_maintainer_id
          ? { maintainerId: row.reporter_maintainer_id, name: nameOf(row.reporter_maintainer_id) }
          : null,
      reporterContact: row.reporter_contact,
      suspected: row.suspected_member_id
        ? { memberId: row.suspected_member_id, organisation: organisationOf(row.suspected_member_id) }
        : null,
      triageReason: row.triage_reason,
      triagedBy: row.triaged_by ? { maintainerId: row.triaged_by, name: nameOf(row.triaged_by) } : null,
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
    const names = await this.namesIn(rows);
    return rows.map((row) => summary(row, names));
  }

  private async namesIn(rows: (Row & Partial<DetailRow>)[]): Promise<Names> {
    const manager = this.dataSource.manager;
    const ids = (pick: (row: Row & Partial<DetailRow>) => (string | null | undefined)[]) =>
      rows.flatMap(pick).filter((id): id is string => !!id);
    return {
      members: await new MemberLookup().byIds(
        manager,
        ids((r) => [r.attributed_member_id, r.reporter_member_id, r.suspected_member_id]),
      ),
      maintainers: await new MaintainerLookup().byIds(
        manager,
        ids((r) => [r.reporter_maintainer_id, r.triaged_by]),
      ),
    };
  }
}

function summary(row: Row, names: Names): LeakReportSummary {
  const attributed = row.attributed_member_id ? names.members.get(row.attributed_member_id) : undefined;
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
          organisation: attributed?.organisation ?? '',
          status: attributed?.status ?? '',
        }
      : null,
  };
}

function iso(value: Date | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}
