import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { Outbox, PollingLoop } from '@cordon/delivery';
import { digestMail } from './digest-mail';
import { digestDue } from './digest-timing';
import { WaitingForMaintainers } from './waiting-for-maintainers';

/** How often the job looks: the window is minutes to hours, a minute late is fine. */
const CHECK_INTERVAL_MS = 60_000;

export interface DigestRun {
  sent: boolean;
  /** Everything waiting, and what no digest has reported yet. */
  waiting: number;
  fresh: number;
  /** Maintainers a copy was queued for. */
  maintainers: number;
}

/**
 * The maintainers' digest (issue 11, README "What waits for the maintainers"): one mail, encrypted
 * to each maintainer, listing everything that waits for them, sent only when something new
 * arrived and at most once per MAINTAINER_DIGEST_MINUTES. It sits beside the mails that go at once
 * (a leak report, a member's answer): an urgent notice never waits for the digest. The state row
 * is locked for the run, so that of several relays one sends it.
 */
@Injectable()
export class MaintainerDigest implements OnModuleDestroy {
  private readonly logger = new Logger('maintainer-digest');
  private readonly loop: PollingLoop;

  constructor(
    private readonly dataSource: DataSource,
    private readonly waiting: WaitingForMaintainers,
    private readonly outbox: Outbox,
    private readonly audit: AuditLog,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {
    this.loop = new PollingLoop(
      () => this.runOnce(),
      CHECK_INTERVAL_MS,
      (error) => this.logger.error(`maintainer digest failed: ${(error as Error)?.name ?? typeof error}`),
    );
  }

  start(): void {
    this.loop.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.loop.stop();
  }

  async runOnce(now = new Date()): Promise<DigestRun> {
    const items = await this.waiting.list(now);
    const keys = items.map((i) => i.key);
    return this.dataSource.transaction(async (manager) => {
      // The one row is made on first use, not by the migration: a restore loads it from the backup.
      await manager.query(
        `INSERT INTO maintainer_digest_state (id, last_sent_at) VALUES (1, NULL) ON CONFLICT (id) DO NOTHING`,
      );
      const [state] = (await manager.query(
        `SELECT last_sent_at FROM maintainer_digest_state WHERE id = 1 FOR UPDATE`,
      )) as { last_sent_at: Date | null }[];
      // What stopped waiting is forgotten: should it wait again, it is news again.
      await manager.query(`DELETE FROM maintainer_digest_item WHERE NOT (item_key = ANY($1::text[]))`, [keys]);
      const reported = new Set(
        ((await manager.query(`SELECT item_key FROM maintainer_digest_item`)) as { item_key: string }[]).map(
          (r) => r.item_key,
        ),
      );
      const fresh = new Set(keys.filter((key) => !reported.has(key)));
      const run = { sent: false, waiting: items.length, fresh: fresh.size, maintainers: 0 };
      const lastSentAt = state?.last_sent_at ? new Date(state.last_sent_at) : null;
      if (!digestDue({ newItems: fresh.size, lastSentAt, now, windowMinutes: this.settings.MAINTAINER_DIGEST_MINUTES }))
        return run;
      const mail = digestMail({
        listAddress: this.settings.LIST_ADDRESS,
        publicUrl: this.settings.publicUrl,
        now,
        items,
        fresh,
      });
      const maintainers = await this.outbox.sendToMaintainers(manager, { purpose: 'maintainer.digest', ...mail });
      // Nobody to tell (no maintainer whose key takes mail): the items stay new for when there is.
      if (!maintainers) return run;
      await manager.query(
        `INSERT INTO maintainer_digest_item (item_key, reported_at)
         SELECT key, $2 FROM unnest($1::text[]) AS t(key) ON CONFLICT DO NOTHING`,
        [[...fresh], now],
      );
      await manager.query(`UPDATE maintainer_digest_state SET last_sent_at = $1 WHERE id = 1`, [now]);
      await this.audit.append(manager, {
        actor: 'system',
        action: 'maintainer.digest_sent',
        subject: 'maintainer_digest',
        details: { waiting: items.length, new: fresh.size, maintainers },
      });
      this.logger.log(`digest of ${items.length} waiting item(s), ${fresh.size} new, to ${maintainers} maintainer(s)`);
      return { ...run, sent: true, maintainers };
    });
  }
}
