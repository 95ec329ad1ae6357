import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog, Checkpoint, signCheckpoint } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { ListKey } from '@cordon/crypto';
import { Outbox } from './outbox';
import { PollingLoop } from './polling-loop';

/** The decisions that matter enough for a checkpoint at once (issue 10): a member in, a member out, an embargo over. */
export type CheckpointDecision = 'application.approved' | 'member.removed' | 'embargo.lifted';
export type CheckpointReason = 'daily' | CheckpointDecision;

/** One checkpoint a day; each worker looks this often whether today's has gone. */
const LOOK_EVERY_MS = 3_600_000;

const MADE: Record<CheckpointReason, string> = {
  daily: 'as it is every day',
  'application.approved': 'after an application was approved',
  'member.removed': 'after a member was removed',
  'embargo.lifted': 'after an embargo was lifted',
};

/**
 * Anchors the audit log outside the database (issue 10): a checkpoint (entries, head hash, time)
 * signed by the list key and mailed, encrypted, to each active maintainer, once a day and after
 * each decision that matters. A maintainer who keeps one can later show, with `cordon audit verify
 * --checkpoint FILE`, that the log was not truncated, wiped or rewritten since: the keyed chain
 * alone cannot show that, since whoever writes the database can remove its newest entries.
 */
@Injectable()
export class AuditCheckpoints implements OnModuleDestroy {
  private readonly logger = new Logger('audit-checkpoints');
  private readonly loop: PollingLoop;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly audit: AuditLog,
    private readonly listKey: ListKey,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {
    this.loop = new PollingLoop(
      () => this.runOnce(),
      LOOK_EVERY_MS,
      (error) => this.logger.error('daily audit checkpoint failed', (error as Error)?.stack),
    );
  }

  start(): void {
    this.loop.start();
  }

  /** Waits for a checkpoint in progress, so that it does not outlive the database connection. */
  onModuleDestroy(): Promise<void> {
    return this.loop.stop();
  }

  /**
   * In the decision's transaction, after its audit entries: the checkpoint covers the decision,
   * and is mailed if and only if the decision commits.
   */
  async afterDecision(manager: EntityManager, decision: CheckpointDecision): Promise<Checkpoint> {
    return (await this.make(manager, decision, null, new Date()))!;
  }

  /**
   * The checkpoint of `now`'s day (UTC) unless it was made; returns it, or null (made already, or
   * no maintainer could be mailed). The day's row is taken first: a second worker waits for the
   * first's transaction, then finds it and stops.
   */
  runOnce(now = new Date()): Promise<Checkpoint | null> {
    return this.dataSource.transaction((manager) => this.make(manager, 'daily', now.toISOString().slice(0, 10), now));
  }

  private async make(
    manager: EntityManager,
    reason: CheckpointReason,
    day: string | null,
    now: Date,
  ): Promise<Checkpoint | null> {
    const head = await this.audit.head(manager);
    const id = randomUUID();
    const claimed = (await manager.query(
      `INSERT INTO audit_checkpoint (id, entries, head_hash, reason, made_at, daily_for)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (daily_for) DO NOTHING RETURNING id`,
      [id, head.entries, head.hash, reason, now, day],
    )) as unknown[];
    if (!claimed.length) return null;
    const checkpoint = {
      list: this.settings.LIST_ADDRESS,
      entries: head.entries,
      head: head.hash,
      time: now.toISOString(),
    };
    const signed = await signCheckpoint(checkpoint, await this.listKey.secretKey(manager));
    // One maintainer's unusable key does not keep the checkpoint from the others.
    const mailed = await this.outbox.sendToMaintainers(manager, {
      purpose: 'audit.checkpoint',
      subject: `Audit checkpoint of ${this.settings.LIST_ADDRESS}: ${head.entries} entries`,
      text: checkpointMail(this.settings.LIST_ADDRESS, MADE[reason], signed),
    });
    if (mailed === 0 && day) {
      // The day is not taken by a checkpoint nobody got (a new list has no maintainer yet): the
      // next look, within the hour, tries again.
      await manager.query(`DELETE FROM audit_checkpoint WHERE id = $1`, [id]);
      return null;
    }
    if (mailed === 0) this.logger.warn(`audit checkpoint after ${reason} reached no maintainer: none can take mail`);
    await manager.query(`UPDATE audit_checkpoint SET maintainers_mailed = $2 WHERE id = $1`, [id, mailed]);
    await this.audit.append(manager, {
      actor: 'system',
      action: 'audit.checkpoint',
      subject: `audit_checkpoint:${id}`,
      details: { reason, entries: head.entries, head: head.hash, maintainersMailed: mailed },
    });
    return checkpoint;
  }
}

/**
 * What the maintainer reads. The outbox carries the text as it is (8bit, not quoted-printable,
 * where `=` in the signature would become `=3D`): what `gpg --decrypt` prints holds the signed
 * block byte for byte, for `gpg --verify` as for Cordon.
 */
function checkpointMail(list: string, made: string, signed: string): string {
  return [
    `A checkpoint of the audit log of`,
    `${list},`,
    `made ${made}.`,
    ``,
    `It holds how many entries the log had and the hash of the newest,`,
    `signed by the list key. Keep it: whoever can write the database could`,
    `remove or replace entries, and this copy, kept apart from it, shows it.`,
    ``,
    `To check the log against it, save this text as gpg --decrypt prints`,
    `it to a file, and on the server run:`,
    ``,
    `  cordon audit verify --checkpoint FILE`,
    ``,
    `(gpg --verify FILE checks the signature alone.)`,
    ``,
    signed.trim(),
  ].join('\n');
}
