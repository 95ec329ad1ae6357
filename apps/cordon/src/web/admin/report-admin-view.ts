import { DateTime } from 'luxon';
import { formatPublicMoment } from '@cordon/embargo';
import type { ClockView, ReportDetail, ReportHistoryItem, ReportStatus, ReportSummary } from '@cordon/reports';
import { formatDueMoment } from '@cordon/reports';

/** A report's state in the maintainers' words. */
export const REPORT_STATUS_LABELS: Record<ReportStatus, string> = {
  new: 'new',
  acknowledged: 'acknowledged',
  needs_information: 'needs information',
  accepted: 'accepted',
  rejected: 'rejected',
  duplicate: 'duplicate',
};

/** One clock as the queue shows it: when it is due, and a badge that reads at a glance. */
export interface ClockBadge {
  due: string;
  /** `overdue`, `due soon`, `running`, `met`, `met (late)` or `stopped`. */
  label: string;
  /** The CSS class of the badge: `clock-overdue`, `clock-due_soon`, … and `late` when met late. */
  className: string;
}

export function clockBadge(clock: ClockView, timeZone: string): ClockBadge {
  const label =
    clock.state === 'due_soon'
      ? 'due soon'
      : clock.state === 'met' && clock.late
        ? 'met (late)'
        : clock.state === 'met'
          ? 'met'
          : clock.state;
  return {
    due: formatDueMoment(clock.dueAt, timeZone),
    label,
    className: `clock-${clock.state}${clock.state === 'met' && clock.late ? ' late' : ''}`,
  };
}

export interface QueueRow {
  id: string;
  reference: string;
  status: ReportStatus;
  statusLabel: string;
  component: string;
  handler: string | null;
  received: string;
  receivedVia: 'form' | 'mail';
  ack: ClockBadge;
  fix: ClockBadge;
}

/** The admin queue's rows (issue 13, "Clocks": the admin queue shows each report's clocks). */
export function queueRow(report: ReportSummary, timeZone: string): QueueRow {
  return {
    id: report.id,
    reference: report.reference,
    status: report.status,
    statusLabel: REPORT_STATUS_LABELS[report.status],
    component: report.component,
    handler: report.handler?.name ?? null,
    received: formatPublicMoment(report.receivedAt, timeZone),
    receivedVia: report.receivedVia,
    ack: clockBadge(report.ack, timeZone),
    fix: clockBadge(report.fix, timeZone),
  };
}

export interface AdminHistoryLine {
  id: string;
  at: string;
  who: string;
  what: string;
  text: string | null;
  /** An internal comment: never shown to the reporter. */
  internal: boolean;
  shownToReporter: boolean;
  /** For a message to an outside party: to whom. */
  party: { name: string; email: string } | null;
  attachments: { href: string; filename: string; size: number }[];
}

/**
 * A history item as the maintainers read it: who, when, what, and to whom it went. `nameOf` names a
 * maintainer by id (a handler is recorded by its id).
 */
export function adminHistoryLine(
  reportId: string,
  item: ReportHistoryItem,
  timeZone: string,
  nameOf: (maintainerId: string) => string | undefined = () => undefined,
): AdminHistoryLine {
  return {
    id: item.id,
    at: formatPublicMoment(item.at, timeZone),
    who:
      item.actor === 'reporter'
        ? 'The reporter'
        : item.actor === 'system'
          ? 'Cordon'
          : (item.actorName ?? 'A former maintainer'),
    what: whatHappened(item, nameOf),
    text: item.text,
    internal: item.kind === 'comment',
    shownToReporter: item.shownToReporter,
    party: item.kind === 'message_to_outsider' && item.to ? item.to : null,
    attachments: item.attachments.map((file) => ({
      href: attachmentHref(reportId, file.id),
      filename: file.filename,
      size: file.size,
    })),
  };
}

export function attachmentHref(reportId: string, fileId: string): string {
  return `/admin/reports/${encodeURIComponent(reportId)}/attachments/${encodeURIComponent(fileId)}`;
}

function whatHappened(item: ReportHistoryItem, nameOf: (maintainerId: string) => string | undefined): string {
  switch (item.kind) {
    case 'status':
      return item.status ? `Status: ${REPORT_STATUS_LABELS[item.status]}` : 'Status changed';
    case 'message_to_reporter':
      return 'Message to the reporter';
    case 'message_to_outsider':
      return item.to ? `Message to ${item.to.name} <${item.to.email}>` : 'Message to an outside party';
    case 'reporter_message':
      return "The reporter's message";
    case 'comment':
      return 'Internal comment';
    case 'date_proposed':
      return `Proposed a public date${dateIn(item.facts)}`;
    case 'date_answered':
      return `${item.facts.answer === 'objected' ? 'Objected to' : 'Agreed to'} the public date`;
    case 'credit':
      return item.facts.consent === true && typeof item.facts.creditName === 'string'
        ? `Credit: as “${item.facts.creditName}”`
        : 'Credit: not to be credited';
    case 'handler':
      if (item.facts.handlerId === null) return 'Handler: nobody';
      return typeof item.facts.handlerId === 'string'
        ? `Handler: ${nameOf(item.facts.handlerId) ?? 'a former maintainer'}`
        : 'Handler changed';
  }
}

/** `: 2027-01-12 10:00 Europe/Berlin (09:00 UTC)` from an event's facts, when it names a date. */
function dateIn(facts: Record<string, unknown>): string {
  if (typeof facts.publicAt !== 'string') return '';
  const at = new Date(facts.publicAt);
  if (Number.isNaN(at.getTime())) return '';
  const zone = typeof facts.timeZone === 'string' ? facts.timeZone : 'UTC';
  try {
    return `: ${formatPublicMoment(at, zone)}`;
  } catch {
    return `: ${formatPublicMoment(at, 'UTC')}`;
  }
}

export interface AcceptDefaults {
  title: string;
  publicAt: string;
  timeZone: string;
}

/**
 * What the accept form starts with: the component as the embargo's title, and as the public date
 * the one proposed to the reporter, else the report's date plus the longest embargo the policy
 * allows (MAX_EMBARGO_BUSINESS_DAYS business days, counted from the report's date as the embargo's
 * limit is: docs/architecture.md, "The embargo policy the system enforces").
 */
export function acceptDefaults(
  report: Pick<ReportDetail, 'component' | 'receivedAt' | 'proposedPublicAt' | 'proposedTimeZone'>,
  projectTimeZone: string,
  maxBusinessDays: number,
): AcceptDefaults {
  const title = report.component.slice(0, 200);
  if (report.proposedPublicAt && report.proposedTimeZone) {
    return {
      title,
      publicAt: localInput(report.proposedPublicAt, report.proposedTimeZone),
      timeZone: report.proposedTimeZone,
    };
  }
  let day = DateTime.fromJSDate(report.receivedAt, { zone: projectTimeZone });
  for (let counted = 0; counted < maxBusinessDays;) {
    day = day.plus({ days: 1 });
    if (day.weekday <= 5) counted++;
  }
  return { title, publicAt: day.toFormat("yyyy-MM-dd'T'HH:mm"), timeZone: projectTimeZone };
}

/** A moment as a datetime-local input takes it, in `timeZone`. */
export function localInput(at: Date, timeZone: string): string {
  return DateTime.fromJSDate(at, { zone: timeZone }).toFormat("yyyy-MM-dd'T'HH:mm");
}
