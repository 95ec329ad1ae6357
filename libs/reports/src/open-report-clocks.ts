import { EntityManager } from 'typeorm';
import { Settings } from '@cordon/config';
import { EmbargoTags, holidayCalendar } from '@cordon/embargo';
import { ClockRules, ClockSchedule, clockSchedule } from './report-clock';
import { ReportStatus } from './report.entity';

/** An open report's clocks, as the reminders and the metrics read them. */
export interface OpenReportClock {
  id: string;
  number: number;
  status: ReportStatus;
  embargoId: string | null;
  schedule: ClockSchedule;
  /** Still waiting for the maintainers' first answer. */
  ackRunning: boolean;
  /** Neither rejected nor a duplicate, and its embargo (if any) has not ended: the fix is not public. */
  fixRunning: boolean;
  /** When each notice was sent (ReportReminders), or null. */
  ackRemindedAt: Date | null;
  ackOverdueAt: Date | null;
  fixRemindedAt: Date | null;
  fixOverdueAt: Date | null;
}

interface Row {
  id: string;
  number: number | string;
  status: ReportStatus;
  received_at: Date | string;
  acknowledged_at: Date | null;
  embargo_id: string | null;
  ack_reminded_at: Date | null;
  ack_overdue_at: Date | null;
  fix_reminded_at: Date | null;
  fix_overdue_at: Date | null;
}

/** The clock rules the settings give (PROJECT_TIME_ZONE, REPORT_ACK_BUSINESS_DAYS, REPORT_FIX_DAYS, PUBLIC_HOLIDAYS). */
export function clockRulesOf(settings: Settings): ClockRules {
  return {
    timeZone: settings.PROJECT_TIME_ZONE,
    ackBusinessDays: settings.REPORT_ACK_BUSINESS_DAYS,
    fixDays: settings.REPORT_FIX_DAYS,
    holidays: holidayCalendar(settings.PUBLIC_HOLIDAYS),
  };
}

/**
 * The clocks of every report not closed (rejected and duplicate ones are: both their clocks have
 * stopped), in the caller's snapshot, oldest first. Whether an embargo made from a report ended is
 * asked of the embargo lib (EmbargoTags), which owns that table (docs/architecture.md, Table owners).
 */
export async function openReportClocks(manager: EntityManager, rules: ClockRules): Promise<OpenReportClock[]> {
  const rows = (await manager.query(
    `SELECT id, number, status, received_at, acknowledged_at, embargo_id,
            ack_reminded_at, ack_overdue_at, fix_reminded_at, fix_overdue_at
     FROM report WHERE closed_at IS NULL ORDER BY received_at, number`,
  )) as Row[];
  const embargoes = await new EmbargoTags().byIds(
    manager,
    rows.flatMap((r) => (r.embargo_id ? [r.embargo_id] : [])),
  );
  return rows.map((r) => ({
    id: r.id,
    number: Number(r.number),
    status: r.status,
    embargoId: r.embargo_id,
    schedule: clockSchedule(new Date(r.received_at), rules),
    ackRunning: r.acknowledged_at === null,
    fixRunning:
      r.status !== 'rejected' && r.status !== 'duplicate' && !(r.embargo_id && embargoes.get(r.embargo_id)?.ended),
    ackRemindedAt: r.ack_reminded_at,
    ackOverdueAt: r.ack_overdue_at,
    fixRemindedAt: r.fix_reminded_at,
    fixOverdueAt: r.fix_overdue_at,
  }));
}
