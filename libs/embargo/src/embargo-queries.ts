import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '@cordon/errors';
import { businessDaysBetween, formatPublicMoment } from './embargo-clock';
import { HolidayCalendar, PublicHolidays } from './public-holidays';
import { Embargo, EmbargoStatus } from './embargo.entity';

export const embargoStatuses: EmbargoStatus[] = ['active', 'lifted', 'broken'];

/** An embargo as maintainers read it: its facts and its clock. */
export interface EmbargoView {
  id: string;
  tag: string;
  title: string;
  cveIds: string[];
  cvss: { vector: string; score: number; severity: string } | null;
  affectedVersions: string;
  fixedVersions: string;
  reporterCredit: string;
  /** Free text as written (issue 14); shown escaped. */
  description: string;
  mitigations: string;
  /** http(s) URLs only. */
  references: string[];
  publicAt: string;
  timeZone: string;
  /** "2026-12-08 14:00 Europe/Berlin (13:00 UTC)". */
  publicAtAsAgreed: string;
  /** Business days left until the public moment (0 on the day); null once the embargo ended. */
  businessDaysLeft: number | null;
  overLimitReason: string | null;
  /** Where MAX_EMBARGO_BUSINESS_DAYS counts from: when it was recorded, or its report's date. */
  limitCountedFrom: string;
  status: EmbargoStatus;
  createdAt: string;
  endedAt: string | null;
}

@Injectable()
export class EmbargoQueries {
  constructor(
    private readonly dataSource: DataSource,
    private readonly holidays: PublicHolidays,
  ) {}

  /** Active ones first, soonest public moment first; then the ended ones, latest first. */
  async list(status?: EmbargoStatus, now = new Date()): Promise<EmbargoView[]> {
    if (status !== undefined && !embargoStatuses.includes(status)) {
      throw new DomainError('INVALID_INPUT', `status must be one of: ${embargoStatuses.join(', ')}`, 'status');
    }
    const rows = await this.dataSource
      .getRepository(Embargo)
      .createQueryBuilder('e')
      .where(status ? 'e.status = :status' : '1 = 1', { status })
      .orderBy(`CASE WHEN e.status = 'active' THEN 0 ELSE 1 END`)
      .addOrderBy(`CASE WHEN e.status = 'active' THEN e.public_at END`, 'ASC')
      .addOrderBy('e.ended_at', 'DESC')
      .getMany();
    return rows.map((embargo) => view(embargo, now, this.holidays));
  }

  /** With a manager, inside the caller's transaction (on PGlite a query beside it would wait for ever). */
  async get(id: string, now = new Date(), manager: EntityManager = this.dataSource.manager): Promise<EmbargoView> {
    const embargo = await manager.getRepository(Embargo).findOneBy({ id });
    if (!embargo) throw new DomainError('NOT_FOUND', 'There is no such embargo.');
    return view(embargo, now, this.holidays);
  }
}

export function embargoTag(number: number): string {
  return `EMB-${number}`;
}

function view(e: Embargo, now: Date, holidays: HolidayCalendar): EmbargoView {
  return {
    id: e.id,
    tag: embargoTag(e.number),
    title: e.title,
    cveIds: e.cveIds,
    cvss: e.cvssVector ? { vector: e.cvssVector, score: e.cvssScore!, severity: e.cvssSeverity! } : null,
    affectedVersions: e.affectedVersions,
    fixedVersions: e.fixedVersions,
    reporterCredit: e.reporterCredit,
    description: e.description,
    mitigations: e.mitigations,
    references: e.referenceUrls,
    publicAt: e.publicAt.toISOString(),
    timeZone: e.timeZone,
    publicAtAsAgreed: formatPublicMoment(e.publicAt, e.timeZone),
    businessDaysLeft: e.status === 'active' ? businessDaysBetween(now, e.publicAt, e.timeZone, holidays) : null,
    overLimitReason: e.overLimitReason,
    limitCountedFrom: e.limitCountedFrom.toISOString(),
    status: e.status,
    createdAt: e.createdAt.toISOString(),
    endedAt: e.endedAt?.toISOString() ?? null,
  };
}
