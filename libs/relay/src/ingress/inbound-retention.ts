import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { PollingLoop } from '@cordon/delivery';
import { EmbargoTags } from '@cordon/embargo';

const CHECK_EVERY_MS = 60 * 60_000;
/** Rows erased per transaction, so that a first run over a long history holds no lock for long. */
const BATCH = 500;

/**
 * Erases the bytes of inbound messages finished more than INBOUND_RETENTION_DAYS ago. Once a post
 * is relayed or refused nothing reads them again, and they are the one place the server keeps mail
 * as it came: a post is encrypted to the list key, whose secret the server holds, and a refused
 * plaintext post is plaintext. The row stays, emptied (size and envelope kept), with the audit
 * entries that name it.
 *
 * Except while a post's embargo runs (README, "Catch-up"): a member that becomes eligible during
 * the embargo gets its earlier posts, made again from their stored messages, so the message of a
 * post of an active embargo is kept until the embargo ends, whatever INBOUND_RETENTION_DAYS says,
 * and erased by the first run after that when it is due by then.
 */
@Injectable()
export class InboundRetention implements OnModuleDestroy {
  private readonly logger = new Logger('retention');
  private readonly loop: PollingLoop;
  /** Which embargoes still run: asked of their owner (docs/architecture.md, Table owners). */
  private readonly embargoes = new EmbargoTags();

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {
    this.loop = new PollingLoop(
      () => this.runOnce(),
      CHECK_EVERY_MS,
      (error) => this.logger.error('erasing old inbound messages failed', (error as Error)?.stack),
    );
  }

  /** Checks now and then hourly; nothing when INBOUND_RETENTION_DAYS is 0. */
  start(): void {
    if (this.settings.INBOUND_RETENTION_DAYS > 0) this.loop.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.loop.stop();
  }

  /** Erases what is due; returns how many messages were erased. */
  async runOnce(now = new Date()): Promise<number> {
    const days = this.settings.INBOUND_RETENTION_DAYS;
    if (days === 0) return 0;
    const kept = await this.runningEmbargoes(now, days);
    let total = 0;
    for (;;) {
      const erased = await this.dataSource.transaction(async (manager) => {
        const ids = (
          (await manager.query(
            `UPDATE inbound_message SET raw = ''::bytea, raw_erased_at = $1
             WHERE id IN (
               SELECT id FROM inbound_message
               WHERE raw_erased_at IS NULL AND status IN ('processed', 'refused')
                 AND processed_at < $1::timestamptz - make_interval(days => $2)
                 AND NOT EXISTS (
                   SELECT 1 FROM post p WHERE p.inbound_message_id = inbound_message.id
                     AND p.embargo_id = ANY($4::uuid[]))
               LIMIT $3
               FOR UPDATE SKIP LOCKED)
             RETURNING id`,
            [now, days, BATCH, kept],
          )) as [{ id: string }[], number]
        )[0].map((row) => row.id);
        if (ids.length > 0) {
          await this.audit.append(manager, {
            actor: 'system',
            action: 'inbound.erased',
            subject: 'inbound_message',
            details: { retentionDays: days, messages: ids },
          });
        }
        return ids.length;
      });
      total += erased;
      if (erased < BATCH) break;
    }
    if (total > 0) this.logger.log(`erased the bytes of ${total} inbound message(s) finished over ${days} days ago`);
    return total;
  }

  /** The embargoes still running among those of the posts whose messages are otherwise due. */
  private async runningEmbargoes(now: Date, days: number): Promise<string[]> {
    const manager = this.dataSource.manager;
    const named = (await manager.query(
      `SELECT DISTINCT p.embargo_id FROM post p JOIN inbound_message i ON i.id = p.inbound_message_id
       WHERE p.embargo_id IS NOT NULL AND i.raw_erased_at IS NULL
         AND i.processed_at < $1::timestamptz - make_interval(days => $2)`,
      [now, days],
    )) as { embargo_id: string }[];
    const embargoes = await this.embargoes.byIds(
      manager,
      named.map((row) => row.embargo_id),
    );
    return [...embargoes.values()].filter((embargo) => !embargo.ended).map((embargo) => embargo.id);
  }
}
