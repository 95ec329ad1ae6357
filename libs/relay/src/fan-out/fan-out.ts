import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { PublicKey, SessionKey } from 'openpgp';
import { EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { MemberKey } from '@cordon/crypto';
import { keyPacketFor } from './seal';

/**
 * A member the post goes to, with its key parsed once (docs/architecture.md, "Toolchain notes"): the
 * pipeline's `Recipient` has this shape, with the MemberKey the recipient selection keeps.
 */
export interface FanOutMember {
  memberId: string;
  email: string;
  key: PublicKey | MemberKey;
  /** The member's key fingerprint as stored (uppercase hex); read from the key when absent. */
  fingerprint?: string;
}

/** A member the post does not go to, recorded so that maintainers see who did not get it and why. */
export interface SkippedMember {
  memberId: string;
  email: string;
  /** `key_expired`, `key_unusable`, `policy_not_acknowledged`, … */
  reason: string;
}

/** One member's queue row, worked out before the transaction that stores it. */
export interface PreparedCopy {
  memberId: string;
  recipient: string;
  keyFingerprint: string | null;
  keyPacket: Uint8Array | null;
  /** held: made, but kept back until the member acknowledges the current policy (HeldMail). */
  status: 'pending' | 'held' | 'skipped';
  reason: string | null;
}

/** The all-in-one form: key packets computed inside the transaction (short lists, tests). */
export interface FanOutRequest {
  postId: string;
  members: FanOutMember[];
  sessionKey: SessionKey;
  skipped?: SkippedMember[];
}

export interface EnqueueResult {
  /** Copies newly queued for sending. */
  queued: number;
  /** Copies newly made but held until the member acknowledges the current policy. */
  held: number;
  /** Members newly recorded as skipped (not eligible, or a key that could not be encrypted to). */
  skipped: number;
  /** Rows that were already there (the post was fanned out before): left as they were. */
  existing: number;
}

/** Key packets computed at once: enough to hide WebCrypto's thread hops for non-cv25519 keys. */
const WRAP_CONCURRENCY = 8;
/** Rows per INSERT: each batch is one statement. */
const INSERT_BATCH = 1000;

/**
 * Queues one copy per member of a sealed post (issue 4, "Fan-out"): a row holding the member's key
 * packet, which the PostDeliveryWorker turns into a PGP/MIME message at send time. Idempotent: a
 * post fanned out twice keeps the rows it has (UNIQUE (post_id, member_id)).
 */
@Injectable()
export class FanOut {
  constructor(private readonly audit: AuditLog) {}

  /**
   * Every member's key packet, a few at a time; no database. With `hold`, the copies are made held
   * (for members who have not acknowledged the current policy). Call it before opening the
   * transaction that enqueues, which is then short (on the embedded database, nothing else runs
   * while a transaction is open). A key that cannot encrypt at `date` makes a skipped copy
   * (`key_unusable`), not an error: one bad key never holds up the others.
   */
  async keyPackets(
    sessionKey: SessionKey,
    members: FanOutMember[],
    date = new Date(),
    hold?: { reason: string },
  ): Promise<PreparedCopy[]> {
    const copies = new Array<PreparedCopy>(members.length);
    let next = 0;
    const wrapNext = async () => {
      for (let i = next++; i < members.length; i = next++) {
        const member = members[i];
        const base = {
          memberId: member.memberId,
          recipient: member.email,
          keyFingerprint:
            member.fingerprint ??
            (member.key instanceof MemberKey ? member.key.fingerprint : member.key.getFingerprint().toUpperCase()),
        };
        try {
          copies[i] = {
            ...base,
            keyPacket: await keyPacketFor(sessionKey, member.key, date),
            status: hold ? 'held' : 'pending',
            reason: hold?.reason ?? null,
          };
        } catch {
          copies[i] = { ...base, keyPacket: null, status: 'skipped', reason: 'key_unusable' };
        }
      }
    };
    await Promise.all(Array.from({ length: WRAP_CONCURRENCY }, wrapNext));
    return copies;
  }

  /**
   * Stores the copies, and the skipped members, in the caller's transaction: the one that stores
   * the post, so that a post and its queue rows commit together (docs/architecture.md, invariant 4).
   */
  enqueue(manager: EntityManager, request: FanOutRequest): Promise<EnqueueResult>;
  enqueue(
    manager: EntityManager,
    postId: string,
    copies: PreparedCopy[],
    skipped?: SkippedMember[],
  ): Promise<EnqueueResult>;
  async enqueue(
    manager: EntityManager,
    postOrRequest: string | FanOutRequest,
    prepared: PreparedCopy[] = [],
    skippedMembers: SkippedMember[] = [],
  ): Promise<EnqueueResult> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('FanOut.enqueue must run inside the transaction that stores the post');
    }
    let postId: string;
    if (typeof postOrRequest === 'string') {
      postId = postOrRequest;
    } else {
      postId = postOrRequest.postId;
      prepared = await this.keyPackets(postOrRequest.sessionKey, postOrRequest.members);
      skippedMembers = postOrRequest.skipped ?? [];
    }
    const copies = [
      ...prepared,
      ...skippedMembers.map((member): PreparedCopy => ({
        memberId: member.memberId,
        recipient: member.email,
        keyFingerprint: null,
        keyPacket: null,
        status: 'skipped',
        reason: member.reason,
      })),
    ];
    const inserted = new Set<string>();
    for (let start = 0; start < copies.length; start += INSERT_BATCH) {
      for (const id of await insertCopies(manager, postId, copies.slice(start, start + INSERT_BATCH))) {
        inserted.add(id);
      }
    }
    const fresh = copies.filter((copy) => inserted.has(copy.memberId));
    const skipped = fresh.filter((copy) => copy.status === 'skipped');
    const held = fresh.filter((copy) => copy.status === 'held');
    const result = {
      queued: fresh.length - skipped.length - held.length,
      held: held.length,
      skipped: skipped.length,
      existing: copies.length - fresh.length,
    };
    await this.audit.append(manager, {
      actor: 'system',
      action: 'post.fanned_out',
      subject: `post:${postId}`,
      // Ids and reasons only.
      details: { ...result, skippedMembers: skipped.map((copy) => ({ memberId: copy.memberId, reason: copy.reason })) },
    });
    return result;
  }
}

/** Inserts one batch as arrays (one parameter per column); returns the member ids whose rows are new. */
async function insertCopies(manager: EntityManager, postId: string, copies: PreparedCopy[]): Promise<string[]> {
  if (copies.length === 0) return [];
  const inserted = (await manager.query(
    `INSERT INTO post_delivery (id, post_id, member_id, recipient, key_fingerprint, key_packet, status, reason)
     SELECT id, $1, member_id, recipient, key_fingerprint, key_packet, status, reason
     FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::bytea[], $7::text[], $8::text[])
       AS c(id, member_id, recipient, key_fingerprint, key_packet, status, reason)
     ON CONFLICT (post_id, member_id) DO NOTHING
     RETURNING member_id`,
    [
      postId,
      copies.map(() => randomUUID()),
      copies.map((copy) => copy.memberId),
      copies.map((copy) => copy.recipient),
      copies.map((copy) => copy.keyFingerprint),
      copies.map((copy) => (copy.keyPacket ? Buffer.from(copy.keyPacket) : null)),
      copies.map((copy) => copy.status),
      copies.map((copy) => copy.reason),
    ],
  )) as { member_id: string }[];
  return inserted.map((row) => row.member_id);
}
