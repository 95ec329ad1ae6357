import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { killPoint } from '@cordon/config';
import { SERVER_SECRET, ServerSecret } from '@cordon/crypto';
import { DeliveryWorker } from '@cordon/delivery';
import { RecipientSelection } from '@cordon/embargo';
import { EnqueueResult, FanOut, Post, PostDeliveryWorker, PreparedCopy, SkippedMember } from '../fan-out';
import { InboundQueue } from '../ingress';
import { RelayNotices } from '../notices/relay-notices';
import { POST_REPLAYED } from '../refusals/refusal-catalogue';
import { Enqueued, Sealed } from './post-state';
import { PostStage, proceed, refuse, Verdict } from './post-stage';

/**
 * Each member's copy of a sealed post: a key packet per recipient, and for members who have not
 * acknowledged the current policy, held until they do (HeldMail). Who is held or skipped, and why
 * (an ended embargo's post is never held), is the selection's: the one eligibility rule decided it.
 * A released member answer goes out the same way.
 */
export async function copiesOf(
  fanOut: FanOut,
  sessionKey: Parameters<FanOut['keyPackets']>[0],
  selection: RecipientSelection,
): Promise<{ deliveries: PreparedCopy[]; skipped: SkippedMember[] }> {
  const deliveries = await fanOut.keyPackets(sessionKey, selection.recipients);
  const hold = { reason: 'policy_not_acknowledged' };
  deliveries.push(...(await fanOut.keyPackets(sessionKey, selection.held, new Date(), hold)));
  return { deliveries, skipped: selection.skipped };
}

/**
 * 6. enqueue, the last stage: in ONE transaction the post is stored, one copy per member queued
 * (or held, or skipped), the inbound message finished, the acceptance audited and the pre-flight
 * summary queued. A post is therefore fanned out exactly once, or not at all and retried
 * (docs/architecture.md, invariant 4).
 */
@Injectable()
export class EnqueueStage implements PostStage<Sealed, Enqueued> {
  readonly name = 'enqueue';
  private readonly logger = new Logger('relay');

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: InboundQueue,
    private readonly audit: AuditLog,
    private readonly notices: RelayNotices,
    private readonly fanOut: FanOut,
    private readonly deliveries: PostDeliveryWorker,
    private readonly serviceMail: DeliveryWorker,
    @Inject(SERVER_SECRET) private readonly secret: ServerSecret,
  ) {}

  async run(post: Sealed): Promise<Verdict<Enqueued>> {
    const postId = randomUUID();
    const copies = await copiesOf(this.fanOut, post.sealed.sessionKey, post.selection);
    let counts: EnqueueResult;
    try {
      counts = await this.dataSource.transaction((manager) => this.commit(manager, post, postId, copies));
    } catch (error) {
      // Two copies of one signed post racing: the unique signature digest lets one win.
      if (error instanceof QueryFailedError && (error as { code?: string }).code === '23505') {
        return refuse(POST_REPLAYED);
      }
      throw error;
    }
    killPoint('fanned-out');
    this.logger.log(
      `post ${postId} from inbound ${post.inbound.id} queued for ${counts.queued} member(s), held for ${counts.held}`,
    );
    // Committed: the copies can go now rather than at the worker's next poll (when it runs here).
    // The sender's pre-flight summary is woken first, so that in one process it usually leaves
    // before the copies (it is not ordered across processes: see README "Pre-flight summary").
    this.serviceMail.wake();
    this.deliveries.wake();
    return proceed({ ...post, postId, counts });
  }

  private async commit(
    manager: EntityManager,
    post: Sealed,
    postId: string,
    copies: { deliveries: PreparedCopy[]; skipped: SkippedMember[] },
  ): Promise<EnqueueResult> {
    const { inbound, opened, maintainerId, embargo, selection, sealed } = post;
    await manager.insert(Post, {
      id: postId,
      inboundMessageId: inbound.id,
      maintainerId,
      signatureDigest: opened.signatureDigest,
      signedAt: opened.signedAt,
      embargoId: embargo?.id ?? null,
      subjectSealed: this.secret.seal('post-subject', opened.subject),
      bodyPackets: Buffer.from(sealed.bodyPackets),
      createdAt: new Date(),
    });
    const counts = await this.fanOut.enqueue(manager, postId, copies.deliveries, copies.skipped);
    await this.queue.finish(manager, inbound, { status: 'processed' });
    await this.audit.append(manager, {
      actor: `maintainer:${maintainerId}`,
      action: 'post.accepted',
      subject: `post:${postId}`,
      details: {
        inboundMessageId: inbound.id,
        signerFingerprint: opened.signerFingerprint,
        embargoId: embargo?.id ?? null,
        recipients: counts.queued,
        held: counts.held,
        skipped: counts.skipped,
      },
    });
    await this.notices.accepted(manager, {
      maintainerId,
      subject: opened.subject,
      postId,
      recipients: counts.queued,
      held: selection.held,
      skipped: copies.skipped,
    });
    return counts;
  }
}
