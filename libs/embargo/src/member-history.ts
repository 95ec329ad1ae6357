import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditTrail } from '@cordon/audit';
import { DomainError } from '@cordon/errors';
import { MaintainerLookup } from '@cordon/maintainers';
import { MemberLookup } from '@cordon/membership';
import { AcknowledgementRecords } from '@cordon/policy';
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
    const manager = this.dataSource.manager;
    const member = await new MemberLookup().byId(manager, memberId);
    if (!member) throw new DomainError('NOT_FOUND', 'There is no such member.');
    const subjects = [`member:${member.id}`, ...(member.applicationId ? [`application:${member.applicationId}`] : [])];
    const found = await new AuditTrail().concerning(
      manager,
      { subjects, mentioned: member.id, actor: `member:${member.id}` },
      MAX_ENTRIES + 1,
    );
    const truncated = found.length > MAX_ENTRIES;
    const kept = found.slice(0, MAX_ENTRIES).reverse();
    const names = await new MaintainerLookup().namesOfActors(
      manager,
      kept.map((e) => e.actor),
    );
    const entries = kept.map((e) => ({ ...e, at: e.at.toISOString(), actorName: names.get(e.actor) ?? null }));
    const acknowledgements = (await new AcknowledgementRecords().ofMember(manager, member.id)).map((a) => ({
      policyVersion: a.policyVersion,
      policySha256: a.policySha256,
      how: a.how,
      at: a.at.toISOString(),
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
