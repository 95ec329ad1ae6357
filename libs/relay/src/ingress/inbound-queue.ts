import { Injectable, Optional } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { leaseOwnerGone, ownerRegistered, ProcessRegistry } from '@cordon/persistence';
import { InboundMessage } from './inbound-message.entity';

/**
 * How long a claimed message is withheld from other workers: far longer than opening and fanning
 * out one post takes. A worker that dies mid-way leaves the row claimable again as soon as it is
 * taken for dead (ProcessRegistry), or, for a lease that names no owner, once this runs out.
 */
export const INBOUND_LEASE_MS = 5 * 60_000;

export interface InboundOutcome {
  status: 'processed' | 'refused';
  /** For a refusal: the stable code of why. */
  refusalCode?: string;
}

/** Thrown by `finish` when the claim no longer holds the row: roll the transaction back. */
export class InboundClaimLost extends Error {
  constructor(id: string) {
    super(`inbound message ${id} is no longer held by this claim (its lease ran out, or it is finished)`);
    this.name = 'InboundClaimLost';
  }
}

/** A row as node-postgres returns it. */
interface Row {
  id: string;
  received_at: Date | string;
  mail_from: string;
  rcpt_to: string[];
  recipient_kind: InboundMessage['recipientKind'];
  verp_token: string | null;
  remote_address: string | null;
  raw: Uint8Array;
  size: number;
  status: InboundMessage['status'];
  refusal_code: string | null;
  attempts: number;
  lease_until: Date | string | null;
  lease_owner: string | null;
  processed_at: Date | string | null;
  raw_erased_at: Date | string | null;
}

const date = (value: Date | string | null) => (value === null ? null : new Date(value));

/**
 * The inbound queue the post pipeline drains. Every step is a short transaction of its own, and
 * none is held while the pipeline works: the embedded database has a single connection.
 */
@Injectable()
export class InboundQueue {
  private readonly processes: ProcessRegistry;

  /** `processes`: the claiming process, by default the one using `dataSource`. */
  constructor(
    private readonly dataSource: DataSource,
    @Optional() processes?: ProcessRegistry,
  ) {
    this.processes = processes ?? ProcessRegistry.of(dataSource);
  }

  /**
   * Claims up to `limit` messages, oldest first: those received, and those of a claim that is void
   * (a crash mid-processing): its owner is gone, or its lease ran out. SKIP LOCKED lets several
   * workers claim disjoint rows at once; the lease, naming this process, keeps the rows theirs
   * after this transaction commits.
   */
  async claim(limit: number, now = new Date()): Promise<InboundMessage[]> {
    const owner = await this.processes.id();
    const rows = await this.dataSource.transaction(async (manager) => {
      const result = (await manager.queryRunner!.query(
        `UPDATE inbound_message SET status = 'processing', lease_until = $2, lease_owner = $4, attempts = attempts + 1
         WHERE id IN (
           SELECT id FROM inbound_message
           WHERE status IN ('received', 'processing')
             AND (status = 'received' OR lease_until <= $1 OR ${leaseOwnerGone('inbound_message.lease_owner')})
             AND ${ownerRegistered('$4')}
           ORDER BY received_at
           LIMIT $3
           FOR UPDATE SKIP LOCKED)
         RETURNING *`,
        [now, new Date(now.getTime() + INBOUND_LEASE_MS), limit, owner],
        true,
      )) as { records: Row[] };
      return result.records;
    });
    return rows.map(toMessage).sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
  }

  /** Calls `listener` when claims of a dead process become void (ProcessRegistry.onTakeover); returns its unsubscribe. */
  onTakeover(listener: () => void): () => void {
    return this.processes.onTakeover(listener);
  }

  /**
   * Marks a claimed message done, in the caller's transaction (the one that records what the
   * pipeline did with it, so both commit together). Pass the claimed message (not only its id) to
   * fence on its claim: a later claim of the same row, after the lease ran out, has a higher
   * attempt count. Throws InboundClaimLost when the row is no longer this claim's to finish.
   */
  async finish(
    manager: EntityManager,
    message: string | Pick<InboundMessage, 'id' | 'attempts'>,
    outcome: InboundOutcome,
  ): Promise<void> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('InboundQueue.finish must run inside the transaction that records the outcome');
    }
    const id = typeof message === 'string' ? message : message.id;
    const attempts = typeof message === 'string' ? null : message.attempts;
    const result = (await manager.queryRunner.query(
      `UPDATE inbound_message SET status = $2, refusal_code = $3, processed_at = now(), lease_until = NULL,
           lease_owner = NULL
       WHERE id = $1 AND status = 'processing' AND ($4::integer IS NULL OR attempts = $4)`,
      [id, outcome.status, outcome.status === 'refused' ? (outcome.refusalCode ?? null) : null, attempts],
      true,
    )) as { affected?: number };
    if (!result.affected) throw new InboundClaimLost(id);
  }
}

function toMessage(row: Row): InboundMessage {
  return Object.assign(new InboundMessage(), {
    id: row.id,
    receivedAt: new Date(row.received_at),
    mailFrom: row.mail_from,
    rcptTo: row.rcpt_to,
    recipientKind: row.recipient_kind,
    verpToken: row.verp_token,
    remoteAddress: row.remote_address,
    // node-postgres gives a Buffer, PGlite a Uint8Array: view it as a Buffer without copying.
    raw: Buffer.isBuffer(row.raw) ? row.raw : Buffer.from(row.raw.buffer, row.raw.byteOffset, row.raw.byteLength),
    size: row.size,
    status: row.status,
    refusalCode: row.refusal_code,
    attempts: row.attempts,
    leaseUntil: date(row.lease_until),
    leaseOwner: row.lease_owner,
    processedAt: date(row.processed_at),
    rawErasedAt: date(row.raw_erased_at),
  });
}
