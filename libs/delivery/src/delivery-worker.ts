import { Inject, Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { leaseOwnerGone, ownerRegistered, ProcessRegistry } from '@cordon/persistence';
import { MailTransport, OutgoingMail, TransportFailure } from './mail-transport';
import { OutboundMessage } from './outbound-message.entity';
import { PollingLoop } from './polling-loop';
import { nextAttemptAt } from './retry-schedule';

/**
 * How long a claimed message is withheld from other workers: far longer than a batch takes. If a
 * claim outlives it (the relay stalled past the transport's timeouts), the message is tried again,
 * so delivery is at least once (invariant 4) and normally exactly once. A claim whose owner died is
 * void sooner, as soon as the owner is taken for dead (ProcessRegistry); this is the fallback for
 * a claim that names no owner.
 */
export const CLAIM_LEASE_MS = 5 * 60_000;

interface ClaimedMessage extends OutgoingMail {
  purpose: string;
  /** Attempts including this one; also the fence that tells this claim from a later one. */
  attempts: number;
}

/** A claimed row as node-postgres returns it. */
interface ClaimRow {
  id: string;
  purpose: string;
  sender: string;
  recipient: string;
  raw: Uint8Array;
  attempts: number;
  created_at: Date;
}

type Outcome = { kind: 'sent' } | { kind: 'failed'; error: TransportFailure };

/**
 * Moves the outbound queue: claims due messages, hands each to the transport and records the
 * result. Every database step is its own short transaction and none is open during network
 * I/O: the embedded database has one connection, which a transaction waiting on SMTP would hold.
 */
@Injectable()
export class DeliveryWorker implements OnModuleDestroy {
  private readonly logger = new Logger('delivery');
  private readonly loop: PollingLoop;
  private readonly processes: ProcessRegistry;
  private stopListening?: () => void;

  /** `processes`: the claiming process, by default the one using `dataSource`. */
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly transport: MailTransport,
    private readonly audit: AuditLog,
    @Optional() processes?: ProcessRegistry,
  ) {
    this.processes = processes ?? ProcessRegistry.of(dataSource);
    this.loop = new PollingLoop(
      () => this.drain(),
      settings.DELIVERY_POLL_MS,
      (error) => this.logger.error(`delivery run failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  /** Claims up to `limit` due messages and tries each once. Returns how many were tried. */
  async runOnce(limit = 20): Promise<number> {
    const claimed = await this.claim(limit);
    await Promise.all(claimed.map((message) => this.deliver(message)));
    return claimed.length;
  }

  /** For tests and the CLI: runs until nothing is due (deferred messages are not due). */
  async drain(): Promise<number> {
    let total = 0;
    for (let tried = await this.runOnce(); tried > 0; tried = await this.runOnce()) total += tried;
    return total;
  }

  /** Polls every DELIVERY_POLL_MS, and at once when a dead process's claims are void; a run never overlaps the last. */
  start(): void {
    this.stopListening ??= this.processes.onTakeover(() => this.wake());
    this.loop.start();
  }

  /** A run now rather than at the next poll, for a peer in this process that has just queued mail. */
  wake(): void {
    this.loop.wake();
  }

  /** Stops polling and waits for the run in progress, if any. */
  stop(): Promise<void> {
    this.stopListening?.();
    this.stopListening = undefined;
    return this.loop.stop();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
    await this.transport.close();
  }

  /**
   * One statement claims the batch: SKIP LOCKED lets concurrent workers take disjoint rows, and
   * the lease (next_attempt_at pushed forward, and this process as its owner) keeps the rows theirs
   * after this commits. A message whose claim's owner is gone is due whatever its next_attempt_at:
   * that was the lease, and the message was due when it was claimed.
   */
  private async claim(limit: number): Promise<ClaimedMessage[]> {
    const now = new Date();
    const owner = await this.processes.id();
    const rows = await this.dataSource.transaction(async (manager) => {
      const result = await manager.queryRunner!.query(
        `UPDATE outbound_message SET attempts = attempts + 1, next_attempt_at = $2, lease_owner = $4
         WHERE id IN (
           SELECT id FROM outbound_message
           WHERE status = 'pending'
             AND (next_attempt_at <= $1 OR ${leaseOwnerGone('outbound_message.lease_owner')})
             AND ${ownerRegistered('$4')}
           ORDER BY next_attempt_at
           LIMIT $3
           FOR UPDATE SKIP LOCKED)
         RETURNING id, purpose, sender, recipient, raw, attempts, created_at`,
        [now, new Date(now.getTime() + CLAIM_LEASE_MS), limit, owner],
        true,
      );
      return result.records as ClaimRow[];
    });
    return rows.map((row) => ({
      id: row.id,
      purpose: row.purpose,
      sender: row.sender,
      recipient: row.recipient,
      raw: Buffer.from(row.raw),
      attempts: row.attempts,
      createdAt: new Date(row.created_at),
    }));
  }

  private async deliver(message: ClaimedMessage): Promise<void> {
    let outcome: Outcome;
    try {
      await this.transport.deliver(message);
      outcome = { kind: 'sent' };
    } catch (error) {
      // Anything the transport did not classify (a full disk, a bug) may pass: retry it.
      const failure = error instanceof TransportFailure ? error : new TransportFailure(String(error), false);
      outcome = { kind: 'failed', error: failure };
    }
    try {
      await this.dataSource.transaction((manager) => this.record(manager, message, outcome));
    } catch (error) {
      // The lease runs out and the message is tried again: at least once, never lost.
      this.logger.error(
        `could not record delivery of ${message.id}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  private async record(manager: EntityManager, message: ClaimedMessage, outcome: Outcome): Promise<void> {
    const now = new Date();
    const facts = { purpose: message.purpose, recipient: message.recipient, attempts: message.attempts };
    if (outcome.kind === 'sent') {
      // Delivered is a fact whoever holds the claim now: not fenced by the attempt number.
      if (await this.settle(manager, message, { status: 'sent', sentAt: now, lastError: null }, false)) {
        await this.note(manager, message, 'mail.sent', facts);
      }
      return;
    }
    const { error } = outcome;
    const retryAt = error.permanent ? null : nextAttemptAt(message.attempts, message.createdAt, now);
    if (retryAt) {
      if (await this.settle(manager, message, { nextAttemptAt: retryAt, lastError: error.message })) {
        await this.note(manager, message, 'mail.deferred', {
          ...facts,
          error: error.message,
          retryAt: retryAt.toISOString(),
        });
      }
      return;
    }
    if (await this.settle(manager, message, { status: 'failed', lastError: error.message })) {
      const reason = error.permanent ? 'refused' : 'gave_up';
      await this.note(manager, message, 'mail.failed', { ...facts, reason, error: error.message });
      this.logger.warn(`delivery of ${message.id} failed for good (${reason}): ${error.message}`);
    }
  }

  /**
   * Applies the change while the row is still pending and, when fenced, still held by this claim
   * (a later claim has a higher attempt number). False if it no longer applies: nothing to record.
   */
  private async settle(
    manager: EntityManager,
    message: ClaimedMessage,
    change: Partial<OutboundMessage>,
    fenced = true,
  ): Promise<boolean> {
    const query = manager
      .createQueryBuilder()
      .update(OutboundMessage)
      // The claim ends with it: a retry waits for its time, not for this process to die.
      .set({ ...change, leaseOwner: null })
      .where('id = :id AND status = :pending', { id: message.id, pending: 'pending' });
    if (fenced) query.andWhere('attempts = :attempts', { attempts: message.attempts });
    const result = await query.execute();
    return (result.affected ?? 0) > 0;
  }

  private note(manager: EntityManager, message: ClaimedMessage, action: string, details: Record<string, unknown>) {
    // The outcome only: never the message, which the audit log would keep in the clear.
    return this.audit.append(manager, { actor: 'system', action, subject: `outbound_message:${message.id}`, details });
  }
}
