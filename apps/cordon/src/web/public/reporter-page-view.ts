import type { ReporterView, ReportHistoryItem, ReportStatus } from '@cordon/reports';

/** What each state means to the reporter, in its words rather than the maintainers'. */
export const REPORTER_STATUS_LABELS: Record<ReportStatus, string> = {
  new: 'Received: waiting for a maintainer to acknowledge it',
  acknowledged: 'Acknowledged: the maintainers are looking into it',
  needs_information: 'The maintainers need more information from you: answer below',
  accepted: 'Accepted: the maintainers are preparing a fix and its public announcement',
  rejected: 'Not accepted as a vulnerability: see the maintainers’ reason below',
  duplicate: 'A duplicate of a report the maintainers already have',
};

export interface HistoryLine {
  id: string;
  at: string;
  who: string;
  what: string;
  text: string | null;
  fromReporter: boolean;
  attachments: { href: string; filename: string; size: string }[];
}

export interface ReporterPage {
  reference: string;
  status: ReportStatus;
  statusLabel: string;
  receivedAt: string;
  component: string;
  history: HistoryLine[];
  proposedPublic: { local: string; utc: string; timeZone: string } | null;
  reporterDateAnswer: 'agreed' | 'objected' | null;
  creditName: string;
  creditConsent: boolean;
  /** Whether it still takes messages and answers (not rejected nor a duplicate). */
  open: boolean;
}

/** The reporter's view as the page shows it: times written out, every line said from the reporter's side. */
export function reporterPageOf(view: ReporterView): ReporterPage {
  return {
    reference: view.reference,
    status: view.status,
    statusLabel: REPORTER_STATUS_LABELS[view.status],
    receivedAt: utc(view.receivedAt),
    component: view.component,
    history: view.history.map(historyLine),
    proposedPublic: view.proposedPublic && {
      local: localTime(view.proposedPublic.at, view.proposedPublic.timeZone),
      utc: utc(view.proposedPublic.at),
      timeZone: view.proposedPublic.timeZone,
    },
    reporterDateAnswer: view.reporterDateAnswer,
    creditName: view.creditName,
    creditConsent: view.creditConsent,
    open: view.open,
  };
}

function historyLine(item: ReportHistoryItem): HistoryLine {
  const fromReporter = item.actor === 'reporter';
  return {
    id: item.id,
    at: utc(item.at),
    who: fromReporter ? 'You' : item.actor === 'system' ? 'Cordon' : (item.actorName ?? 'The maintainers'),
    what: whatHappened(item),
    text: item.text,
    fromReporter,
    attachments: item.attachments.map((file) => ({
      href: `/report/status/attachments/${encodeURIComponent(file.id)}`,
      filename: file.filename,
      size: bytes(file.size),
    })),
  };
}

function whatHappened(item: ReportHistoryItem): string {
  switch (item.kind) {
    case 'status':
      // The first line of every history: the report coming in.
      if (item.status === 'new') return 'Sent the report';
      return item.status ? `Status: ${REPORTER_STATUS_LABELS[item.status]}` : 'Status changed';
    case 'message_to_reporter':
      return 'Message to you';
    case 'reporter_message':
      return 'Your message';
    case 'date_proposed':
      return `Proposed a public date${dateIn(item.facts)}`;
    case 'date_answered':
      return `${item.facts.answer === 'objected' ? 'Objected to' : 'Agreed to'} the public date${dateIn(item.facts)}`;
    case 'credit':
      return item.facts.consent === true && typeof item.facts.creditName === 'string'
        ? `Credit: as “${item.facts.creditName}”`
        : 'Credit: not credited publicly';
    case 'handler':
      return 'Handler changed';
    // Never shown to the reporter (ReportQueries.reporterView leaves them out); named all the same.
    case 'comment':
      return 'Comment';
    case 'message_to_outsider':
      return 'Message';
  }
}

/** `: 2027-01-12 10:00 (Europe/Berlin)` from an event's facts, when it names a date. */
function dateIn(facts: Record<string, unknown>): string {
  if (typeof facts.publicAt !== 'string') return '';
  const at = new Date(facts.publicAt);
  if (Number.isNaN(at.getTime())) return '';
  return `: ${typeof facts.timeZone === 'string' ? localTime(at, facts.timeZone) : utc(at)}`;
}

function utc(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function localTime(at: Date, timeZone: string): string {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(at);
  } catch {
    return utc(at); // a zone this Node.js does not know: UTC says the same moment
  }
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')} (${timeZone})`;
}

function bytes(size: number): string {
  if (size < 1024) return `${size} bytes`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  return `${(size / (1024 * 1024)).toFixed(1)} MB`;
}
