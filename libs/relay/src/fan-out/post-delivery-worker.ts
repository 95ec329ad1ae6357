import { Inject, Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { killPoint, SETTINGS, Settings } from '@cordon/config';
import { CLAIM_LEASE_MS, MailTransport, nextAttemptAt, PollingLoop, TransportFailure } from '@cordon/delivery';
import { leaseOwnerGone, ownerRegistered, ProcessRegistry } from '@cordon/persistence';
import { Policies } from '@cordon/policy';
import { CopyBuffer, ListHeaders } from './copy';
import { PostBodies } from './post-bodies';
import { OutcomeRecorder } from './outcome-recorder';
import { Ineligible, SendTimeEligibility } from './send-time-eligibility';

/** Copies being assembled or handed to the relay at once: enough to keep a connection pool busy. */
export const COPIES_IN_FLIGHT = 16;
/** Rows claimed per statement; the next batch is claimed while half of this one is still to go. */
export const CLAIM_BATCH = 64;
/** How long a finished copy waits for other lanes' to be recorded with it, at most (see OutcomeRecorder). */
export const RECORD_LINGER_MS = 5;

interface ClaimedCopy {
  id: string;
  postId: string;
  memberId: string;
  recipient: string;
  keyPacket: Buffer;
  /** Attempts including this one; also the fence that tells this claim from a later one. */
  attempts: number;
  postCreatedAt: Date;
}

/** A claimed row. */
interface ClaimRow {
  id: string;
  key_fingerprint: string | null;
  post_id: string;
  member_id: string;
  embargo_id: string | null;
  recipient: string;
  key_packet: Uint8Array;
  attempts: number;
  post_created_at: Date;
}

type Outcome = { copy: ClaimedCopy; kind: 'sent' } | { copy: ClaimedCopy; kind: 'failed'; error: TransportFailure };

/**
 * Moves the post queue (issue 4, "Delivery"): claims due copies, checks each member is still
 * eligible, assembles the copy from the post's shared body and the member's key packet, hands it
 * to the outbound transport and records the result. Copies stream through a few at a time, so
 * memory stays flat whatever the number of members.
 *
 * Every database step is its own short transaction, never open during network I/O. Outcomes are
 * recorded by group commit (OutcomeRecorder), and a lane takes its next copy only once its last
 * one is marked sent. If the process dies between the relay's 250 and that mark, the copy is sent
 * again once the process is taken for dead (ProcessRegistry; at once on a restart of the embedded
 * database), or its lease (CLAIM_LEASE_MS) runs out: the duplicate window is the COPIES_IN_FLIGHT
 * copies in flight at the crash, no more. A resent copy is byte for byte the same message (same
 * Message-ID), which mail clients show once.
 */
@Injectable()
export class PostDeliveryWorker implements OnModuleDestroy {
  private readonly logger = new Logger('post-delivery');
  private readonly headers: ListHeaders;
  private readonly bodies: PostBodies;
  private readonly loop: PollingLoop;
  private readonly eligibility: SendTimeEligibility;
  private readonly processes: ProcessRegistry;
  private stopListening?: () => void;
  private stopping = false;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly transport: MailTransport,
    private readonly audit: AuditLog,
    policies: Policies,
    /** The claiming process, by default the one using `dataSource`. */
    @Optional() processes?: ProcessRegistry,
  ) {
    this.processes = processes ?? ProcessRegistry.of(dataSource);
    this.eligibility = new SendTimeEligibility(policies);
    this.headers = new ListHeaders(settings.LIST_ADDRESS, settings.LIST_NAME);
    this.bodies = new PostBodies(dataSource);
    this.loop = new PollingLoop(
      () => this.drain(),
      settings.DELIVERY_POLL_MS,
      (error) =>
        this.logger.error(`post delivery run failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  /** Claims up to `limit` due copies and tries each once. Returns how many were claimed. */
  async runOnce(limit = CLAIM_BATCH): Promise<number> {
    const { copies, claimed } = await this.claim(limit);
    await this.sendAll(() => Promise.resolve(copies.shift() ?? null));
    return claimed;
  }

  /** Runs until nothing is due (deferred copies are not due). Returns how many were claimed. */
  async drain(): Promise<number> {
    const queue: ClaimedCopy[] = [];
    let total = 0;
    let exhausted = false;
    let failure: unknown;
    let claiming: Promise<void> | undefined;
    // One claim at a time, started while the lanes still have work, so they never wait for it.
    const claimMore = () =>
      (claiming ??= this.claim(CLAIM_BATCH)
        .then(({ copies, claimed }) => {
          if (copies.length > 0) killPoint('claimed');
          total += claimed;
          exhausted = claimed === 0;
          queue.push(...copies);
        })
        .catch((error: unknown) => {
          failure = error;
          exhausted = true;
        })
        .finally(() => {
          claiming = undefined;
        }));
    await this.sendAll(async () => {
      for (;;) {
        if (this.stopping) return null;
        if (!exhausted && queue.length < CLAIM_BATCH / 2) void claimMore();
        const next = queue.shift();
        if (next) return next;
        if (exhausted && !claiming) return null;
        await claimMore();
      }
    });
    await claiming;
    // Stopped early: the copies claimed but not tried go back to the queue now, not in five minutes.
    if (queue.length > 0) await this.unclaim(queue.splice(0));
    if (failure) throw failure;
    return total;
  }

  /** Polls every DELIVERY_POLL_MS, and at once when a dead process's claims are void; a run never overlaps the last. */
  start(): void {
    this.stopping = false;
    this.stopListening ??= this.processes.onTakeover(() => this.wake());
    this.loop.start();
  }

  /**
   * Asks a polling worker to look at the queue now rather than at its next poll: for the pipeline
   * to call once a post is committed, so its copies do not wait up to DELIVERY_POLL_MS.
   */
  wake(): void {
    this.loop.wake();
  }

  /** Stops polling; the run in progress finishes the copies it is sending, and gives the rest back. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopListening?.();
    this.stopListening = undefined;
    await this.loop.stop();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
    await this.transport.close();
  }

  /** COPIES_IN_FLIGHT lanes take copies from `next` until it has none; outcomes are group-committed. */
  private async sendAll(next: () => Promise<ClaimedCopy | null>): Promise<void> {
    const recorder = new OutcomeRecorder<Outcome>((batch) => this.record(batch), COPIES_IN_FLIGHT, RECORD_LINGER_MS);
    await Promise.all(
      Array.from({ length: COPIES_IN_FLIGHT }, async () => {
        const lane = new CopyBuffer();
        for (let copy = await next(); copy; copy = await next()) await recorder.add(await this.attempt(copy, lane));
      }),
    );
    await recorder.settled();
  }

  /**
   * Each lane assembles its copies in a buffer of its own, lent to the transport until deliver()
   * settles and reused only after a success: by then the relay has taken the whole message (or the
   * file is written). After a failure the transport may still hold it (a socket being torn down),
   * so the lane leaves it and takes a new one: never can one member's bytes end up in another's copy.
   */
  private async attempt(copy: ClaimedCopy, lane: CopyBuffer): Promise<Outcome> {
    try {
      const post = await this.bodies.get(copy.postId);
      const raw = lane.assemble({ post, delivery: copy, headers: this.headers });
      await this.transport.deliver({
        id: copy.id,
        // VERP (one return path per copy): a bounce names the copy, hence the member, that failed.
        sender: this.headers.bounceAddress(copy.id),
        recipient: copy.recipient,
        raw,
        createdAt: post.date,
      });
      killPoint('delivering');
      return { copy, kind: 'sent' };
    } catch (error) {
      lane.release();
      // Anything the transport did not classify (a full disk, a lost database) may pass: retry it.
      const failure = error instanceof TransportFailure ? error : new TransportFailure(String(error), false);
      return { copy, kind: 'failed', error: failure };
    }
  }

  /**
   * One transaction claims a batch: SKIP LOCKED lets concurrent workers take disjoint rows, and
   * the lease, naming this process, keeps them theirs after it commits; a lease whose owner is gone
   * (ProcessRegistry) is void. In the same transaction each member is checked
   * again by the one rule (SendTimeEligibility; docs/architecture.md, invariant 2): one suspended,
   * removed or banned since the fan-out, whose key expired or changed, or now outside the audience
   * of the post's embargo, is skipped; one that has
   * not acknowledged the current policy is held. Only the rest are returned, to be sent, each to the
   * member's address as it is now.
   */
  private async claim(limit: number): Promise<{ copies: ClaimedCopy[]; claimed: number }> {
    const now = new Date();
    const owner = await this.processes.id();
    return this.dataSource.transaction(async (manager) => {
      const rows = (
        await manager.queryRunner!.query(
          `UPDATE post_delivery d SET attempts = d.attempts + 1, lease_until = $2, lease_owner = $4
           FROM (
             SELECT id FROM post_delivery
             WHERE status = 'pending' AND next_attempt_at <= $1
               AND (lease_until IS NULL OR lease_until <= $1 OR ${leaseOwnerGone('post_delivery.lease_owner')})
               AND ${ownerRegistered('$4')}
             ORDER BY next_attempt_at
             LIMIT $3
             FOR UPDATE SKIP LOCKED) due, post p
           WHERE d.id = due.id AND p.id = d.post_id
           RETURNING d.id, d.post_id, d.member_id, d.recipient, d.key_fingerprint, d.key_packet, d.attempts,
                     p.created_at AS post_created_at, p.embargo_id`,
          [now, new Date(now.getTime() + CLAIM_LEASE_MS), limit, owner],
          true,
        )
      ).records as ClaimRow[];
      const verdicts = await this.eligibility.check(
        manager,
        rows.map((row) => ({
          memberId: row.member_id,
          keyFingerprint: row.key_fingerprint,
          embargoId: row.embargo_id,
        })),
        now,
      );
      const copies: ClaimedCopy[] = [];
      const moved: { id: string; recipient: string }[] = [];
      for (const [i, row] of rows.entries()) {
        const { refusal, email } = verdicts[i];
        const recipient = email ?? row.recipient;
        if (recipient !== row.recipient) moved.push({ id: row.id, recipient });
        if (refusal) {
          await this.setAside(manager, row, refusal);
          continue;
        }
        copies.push({
          id: row.id,
          postId: row.post_id,
          memberId: row.member_id,
          recipient,
          keyPacket: Buffer.from(row.key_packet),
          attempts: row.attempts,
          postCreatedAt: new Date(row.post_created_at),
        });
      }
      await this.readdress(manager, moved);
      return { copies, claimed: rows.length };
    });
  }

  /**
   * A copy goes to the member's address as it is now, and its row says so: a member that moved its
   * address since the fan-out (issue 11) gets the copy at the new one.
   */
  private async readdress(manager: EntityManager, moved: { id: string; recipient: string }[]): Promise<void> {
    if (moved.length === 0) return;
    await manager.query(
      `UPDATE post_delivery d SET recipient = c.recipient
       FROM unnest($1::uuid[], $2::text[]) AS c(id, recipient) WHERE d.id = c.id`,
      [moved.map((copy) => copy.id), moved.map((copy) => copy.recipient)],
    );
  }

  private async unclaim(copies: ClaimedCopy[]): Promise<void> {
    try {
      // Fenced like any settlement: only rows this claim still holds.
      await this.dataSource.query(
        `UPDATE post_delivery d SET lease_until = NULL, lease_owner = NULL, attempts = d.attempts - 1
         FROM unnest($1::uuid[], $2::int[]) AS c(id, attempts)
         WHERE d.id = c.id AND d.attempts = c.attempts AND d.status = 'pending'`,
        [copies.map((copy) => copy.id), copies.map((copy) => copy.attempts)],
      );
    } catch (error) {
      // Their leases run out instead.
      this.logger.warn(`could not give back ${copies.length} claimed copies: ${String(error)}`);
    }
  }

  private async setAside(manager: EntityManager, row: ClaimRow, { status, reason }: Ineligible): Promise<void> {
    // The claim is undone (attempts back), since nothing was attempted.
    await manager.query(
      `UPDATE post_delivery SET status = $2, reason = $3, lease_until = NULL, lease_owner = NULL, attempts = attempts - 1
       WHERE id = $1`,
      [row.id, status, reason],
    );
    await this.audit.append(manager, {
      actor: 'system',
      action: status === 'held' ? 'post.copy_held' : 'post.copy_skipped',
      subject: `post_delivery:${row.id}`,
      details: { postId: row.post_id, memberId: row.member_id, reason },
    });
  }

  private async record(batch: Outcome[]): Promise<void> {
    try {
      await this.dataSource.transaction(async (manager) => {
        const now = new Date();
        const sent = batch.filter((outcome) => outcome.kind === 'sent').map((outcome) => outcome.copy);
        if (sent.length > 0) await this.recordSent(manager, sent, now);
        for (const outcome of batch) {
          if (outcome.kind === 'failed') await this.recordFailure(manager, outcome.copy, outcome.error, now);
        }
      });
    } catch (error) {
      // The leases run out and the copies are tried again: at least once, never lost.
      this.logger.error(
        `could not record ${batch.length} post deliveries: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  private async recordSent(manager: EntityManager, copies: ClaimedCopy[], now: Date): Promise<void> {
    // Delivered is a fact whoever holds the claim now: not fenced by the attempt number.
    const settled = (
      await manager.queryRunner!.query(
        `UPDATE post_delivery SET status = 'sent', sent_at = $2, lease_until = NULL, lease_owner = NULL, last_error = NULL
         WHERE id = ANY($1::uuid[]) AND status = 'pending' RETURNING id`,
        [copies.map((copy) => copy.id), now],
        true,
      )
    ).records as { id: string }[];
    const done = new Set(settled.map((row) => row.id));
    const byPost = new Map<string, ClaimedCopy[]>();
    for (const copy of copies.filter((c) => done.has(c.id))) {
      byPost.set(copy.postId, [...(byPost.get(copy.postId) ?? []), copy]);
    }
    // One entry per post per commit, naming every copy: an audit append is four statements under
    // the chain's lock (about 5 ms on the embedded database), too dear to pay once per copy.
    for (const [postId, sent] of byPost) {
      await this.audit.append(manager, {
        actor: 'system',
        action: 'post.copies_sent',
        subject: `post:${postId}`,
        details: { deliveries: sent.map((c) => ({ id: c.id, memberId: c.memberId, attempts: c.attempts })) },
      });
    }
  }

  private async recordFailure(manager: EntityManager, copy: ClaimedCopy, error: TransportFailure, now: Date) {
    const retryAt = error.permanent ? null : nextAttemptAt(copy.attempts, copy.postCreatedAt, now);
    const lastError = error.message.slice(0, 500);
    // Fenced: only while still pending and still held by this claim (a later one has more attempts).
    const result = (await manager.query(
      `UPDATE post_delivery SET status = $3, reason = $4, next_attempt_at = COALESCE($5, next_attempt_at),
              lease_until = NULL, lease_owner = NULL, last_error = $6
       WHERE id = $1 AND status = 'pending' AND attempts = $2`,
      [
        copy.id,
        copy.attempts,
        retryAt ? 'pending' : 'failed',
        retryAt ? null : error.permanent ? 'refused' : 'gave_up',
        retryAt,
        lastError,
      ],
    )) as [unknown, number];
    if (result[1] === 0) return;
    const code = error.responseCode ?? null;
    if (retryAt) {
      await this.note(manager, copy, 'post.copy_deferred', { responseCode: code, retryAt: retryAt.toISOString() });
      return;
    }
    const reason = error.permanent ? 'refused' : 'gave_up';
    await this.note(manager, copy, 'post.copy_failed', { responseCode: code, reason });
    this.logger.warn(`post delivery ${copy.id} failed for good (${reason}): ${lastError}`);
  }

  private note(manager: EntityManager, copy: ClaimedCopy, action: string, details: Record<string, unknown>) {
    // Ids and codes only: the relay's reply text stays in the row (last_error), not in the log.
    return this.audit.append(manager, {
      actor: 'system',
      action,
      subject: `post_delivery:${copy.id}`,
      details: { postId: copy.postId, memberId: copy.memberId, attempts: copy.attempts, ...details },
    });
  }
}
