import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { Outbox, PollingLoop } from '@cordon/delivery';
import { EmbargoTags } from '@cordon/embargo';
import { clockRulesOf, OpenReportClock, openReportClocks } from './open-report-clocks';
import { formatDueMoment } from './report-clock';
import { ReportStatus } from './report.entity';

/** How often open reports are looked at: the clocks run in days, a minute late is fine. */
const CHECK_INTERVAL_MS = 60_000;

type Clock = 'acknowledgement' | 'fix';
type Notice = 'reminder' | 'overdue';

interface ClockWords {
  /** The column that records each notice: each is sent once, whoever claims it first. */
  mark: Record<Notice, string>;
  /** What the clock still needs before a notice may go, checked again as the notice is claimed. */
  stillRunning: string;
  /** Subject and body words. */
  name: string;
  what: string;
  nextStep: string;
}

const CLOCKS: Record<Clock, ClockWords> = {
  acknowledgement: {
    mark: { reminder: 'ack_reminded_at', overdue: 'ack_overdue_at' },
    stillRunning: 'acknowledged_at IS NULL',
    name: 'acknowledgement',
    what: 'The first answer to the reporter',
    nextStep: 'Acknowledge it, ask the reporter, accept, reject or mark it a duplicate:',
  },
  fix: {
    mark: { reminder: 'fix_reminded_at', overdue: 'fix_overdue_at' },
    stillRunning: `status NOT IN ('rejected', 'duplicate')`,
    name: 'fix target',
    what: 'The fix target',
    nextStep: 'Once the fix is public, lift the embargo made from it (the clock is then met):',
  },
};

interface Due {
  report: OpenReportClock;
  clock: Clock;
  notice: Notice;
  dueAt: Date;
}

/**
 * Tells the maintainers, encrypted, when a report's clock is nearly due and once when it is overdue
 * (issue 13, "Clocks"): the acknowledgement a business day ahead, the fix target 7 days ahead
 * (report-clock.ts, clockSchedule). Only the latest notice is sent: a report found already overdue
 * (the service was down) gets the overdue notice, not the reminder too. Each notice is recorded on
 * the report in the transaction that queues it, by an UPDATE only the first of several workers wins.
 * The mail names the report, its state and the clock, never what the reporter wrote.
 */
@Injectable()
export class ReportReminders implements OnModuleDestroy {
  private readonly logger = new Logger('report-reminders');
  private readonly loop: PollingLoop;
  private readonly embargoes = new EmbargoTags();

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly audit: AuditLog,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {
    this.loop = new PollingLoop(
      () => this.run(),
      CHECK_INTERVAL_MS,
      (error) => this.logger.error(`report reminders failed: ${(error as Error)?.name ?? typeof error}`),
    );
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  /** Sends the notices due at `now`; returns how many were sent. */
  async run(now = new Date()): Promise<number> {
    const open = await openReportClocks(this.dataSource.manager, clockRulesOf(this.settings));
    let sent = 0;
    for (const due of open.flatMap((report) => noticesDue(report, now))) {
      if (await this.dataSource.transaction((manager) => this.tell(manager, due, now))) sent++;
    }
    return sent;
  }

  private async tell(manager: EntityManager, { report, clock, notice, dueAt }: Due, now: Date): Promise<boolean> {
    // The embargo may have ended since the clocks were read: then the fix clock is met.
    if (clock === 'fix' && report.embargoId) {
      if ((await this.embargoes.byIds(manager, [report.embargoId])).get(report.embargoId)?.ended) return false;
    }
    // Claimed only if still open, still running and not told: it may have changed since, or another
    // worker may be telling it (its UPDATE waits for ours to commit, then finds the mark set).
    const words = CLOCKS[clock];
    const mark = words.mark[notice];
    const [rows] = (await manager.query(
      `UPDATE report SET ${mark} = $2
       WHERE id = $1 AND ${mark} IS NULL AND closed_at IS NULL AND ${words.stillRunning}
       RETURNING number, status`,
      [report.id, now],
    )) as [{ number: number; status: ReportStatus }[], number];
    const claimed = rows[0];
    if (!claimed) return false;
    const reference = `REP-${claimed.number}`;
    const overdue = notice === 'overdue';
    const length =
      clock === 'acknowledgement'
        ? `${this.settings.REPORT_ACK_BUSINESS_DAYS} business days`
        : `${this.settings.REPORT_FIX_DAYS} days`;
    const text = [
      `${words.what} of the vulnerability report ${reference} is ${overdue ? 'overdue' : 'due soon'}.`,
      ``,
      `State: ${claimed.status.replace('_', ' ')}`,
      `Clock: ${words.name}, ${length} from the report's date`,
      `Due: ${formatDueMoment(dueAt, this.settings.PROJECT_TIME_ZONE)}`,
      ``,
      words.nextStep,
      `${this.settings.publicUrl}/admin/reports/${report.id}`,
    ].join('\n');
    const maintainers = await this.outbox.sendToMaintainers(manager, {
      purpose: overdue ? 'report.overdue' : 'report.reminder',
      subject: `[${reference}] ${overdue ? 'Overdue' : 'Due soon'}: ${words.name}`,
      text,
    });
    await this.audit.append(manager, {
      actor: 'system',
      action: overdue ? 'report.overdue' : 'report.reminded',
      subject: `report:${report.id}`,
      details: { clock, dueAt: dueAt.toISOString(), status: claimed.status, maintainers },
    });
    return true;
  }
}

/** The notices a report's clocks need at `now`, given what was already sent: for each, the latest only. */
function noticesDue(report: OpenReportClock, now: Date): Due[] {
  const s = report.schedule;
  const due: Due[] = [];
  const ack =
    report.ackRunning && noticeDue(now, s.ackReminderAt, s.ackDueAt, report.ackRemindedAt, report.ackOverdueAt);
  if (ack) due.push({ report, clock: 'acknowledgement', notice: ack, dueAt: s.ackDueAt });
  const fix =
    report.fixRunning && noticeDue(now, s.fixReminderAt, s.fixDueAt, report.fixRemindedAt, report.fixOverdueAt);
  if (fix) due.push({ report, clock: 'fix', notice: fix, dueAt: s.fixDueAt });
  return due;
}

function noticeDue(
  now: Date,
  reminderAt: Date,
  dueAt: Date,
  remindedAt: Date | null,
  overdueAt: Date | null,
): Notice | null {
  if (now.getTime() > dueAt.getTime()) return overdueAt ? null : 'overdue';
  if (now.getTime() >= reminderAt.getTime()) return remindedAt ? null : 'reminder';
  return null;
}
