import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { Outbox, PollingLoop } from '@cordon/delivery';
import { formatPublicMoment } from './embargo-clock';
import { PostsUnderEmbargo } from './posts-under-embargo';
import { embargoTag } from './embargo-queries';

/** How often active embargoes are looked at: reminders are hours apart, a minute late is fine. */
const CHECK_INTERVAL_MS = 60_000;

interface DueEmbargo {
  id: string;
  number: number;
  title: string;
  public_at: Date;
  time_zone: string;
  posts: number;
}

/**
 * Reminds the maintainers before an active embargo's agreed public moment (issue 5), at each of
 * EMBARGO_REMINDER_HOURS, and once more when the moment has passed and the embargo is still not
 * lifted. Only the latest threshold crossed is sent (an embargo recorded 10 hours ahead gets the
 * 24-hour reminder, not the 72-hour one too). Each reminder is recorded with the public moment it
 * was for, under a primary key, so that several workers send it once, and an extension makes the
 * reminders of the new moment due again. Encrypted to each active maintainer, like all mail.
 */
@Injectable()
export class EmbargoReminders implements OnModuleDestroy {
  private readonly logger = new Logger('embargo-reminders');
  private readonly loop: PollingLoop;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly audit: AuditLog,
    private readonly posts: PostsUnderEmbargo,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {
    this.loop = new PollingLoop(
      () => this.runOnce(),
      CHECK_INTERVAL_MS,
      (error) => this.logger.error(`embargo reminders failed: ${(error as Error)?.name ?? typeof error}`),
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

  /** Sends the reminders due at `now`; returns how many embargoes were reminded of. */
  async runOnce(now = new Date()): Promise<number> {
    const thresholds = [...this.settings.EMBARGO_REMINDER_HOURS, 0].sort((a, b) => a - b);
    const widest = thresholds[thresholds.length - 1];
    const nearing = (await this.dataSource.query(
      `SELECT e.id, e.number, e.title, e.public_at, e.time_zone
       FROM embargo e
       WHERE e.status = 'active' AND e.public_at <= $1::timestamptz + make_interval(hours => $2)
       ORDER BY e.public_at`,
      [now, widest],
    )) as Omit<DueEmbargo, 'posts'>[];
    const posts = await this.posts.countOf(
      this.dataSource.manager,
      nearing.map((e) => e.id),
    );
    const candidates = nearing.map((e): DueEmbargo => ({ ...e, posts: posts.get(e.id)! }));
    let reminded = 0;
    for (const embargo of candidates) {
      const publicAt = new Date(embargo.public_at);
      const hoursLeft = (publicAt.getTime() - now.getTime()) / 3_600_000;
      // The smallest threshold already crossed: 0 once the moment has passed.
      const due = thresholds.find((hours) => hoursLeft <= hours);
      if (due === undefined) continue;
      const sent = await this.dataSource.transaction((manager) =>
        this.remind(manager, embargo, publicAt, due, hoursLeft),
      );
      if (sent) reminded++;
    }
    return reminded;
  }

  private async remind(
    manager: EntityManager,
    embargo: DueEmbargo,
    publicAt: Date,
    threshold: number,
    hoursLeft: number,
  ): Promise<boolean> {
    // Still active (it may have been lifted since the query), and not reminded of at this threshold.
    const [claimed] = (await manager.query(
      `INSERT INTO embargo_reminder (embargo_id, hours_before, public_at)
       SELECT id, $2, public_at FROM embargo WHERE id = $1 AND status = 'active' AND public_at = $3
       ON CONFLICT DO NOTHING RETURNING embargo_id`,
      [embargo.id, threshold, publicAt],
    )) as unknown[];
    if (!claimed) return false;
    const tag = embargoTag(embargo.number);
    const when = formatPublicMoment(publicAt, embargo.time_zone);
    const overdue = threshold === 0;
    const subject = overdue
      ? `[${tag}] Public moment passed, embargo not lifted: ${embargo.title}`
      : `[${tag}] Public in ${describeHours(hoursLeft)}: ${embargo.title}`;
    const text = [
      overdue
        ? `The agreed public moment of ${tag}, "${embargo.title}", has passed, and the embargo is still active.`
        : `The embargo ${tag}, "${embargo.title}", ends in ${describeHours(hoursLeft)}.`,
      ``,
      `Public date, as agreed: ${when}`,
      `Posts relayed under it: ${embargo.posts}`,
      ``,
      overdue
        ? `Lift it once the information is public (the members are told), or extend it with a reason:`
        : `Extend it with a reason if the date cannot hold, or lift it once the information is public:`,
      `${this.settings.publicUrl}/admin/embargoes/${embargo.id}`,
    ].join('\n');
    const maintainers = await this.outbox.sendToMaintainers(manager, { purpose: 'embargo.reminder', subject, text });
    await this.audit.append(manager, {
      actor: 'system',
      action: 'embargo.reminded',
      subject: `embargo:${embargo.id}`,
      details: { hoursBefore: threshold, publicAt: publicAt.toISOString(), maintainers },
    });
    return true;
  }
}

function describeHours(hours: number): string {
  if (hours < 1) return 'less than an hour';
  const whole = Math.floor(hours);
  if (whole < 48) return `${whole} hour${whole === 1 ? '' : 's'}`;
  return `${Math.floor(whole / 24)} days`;
}
