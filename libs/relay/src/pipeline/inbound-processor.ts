import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, QueryFailedError } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { SERVER_SECRET, ServerSecret } from '@cordon/crypto';
import { DeliveryWorker, Outbox, PollingLoop } from '@cordon/delivery';
import { FanOut, Post, PostDeliveryWorker, SkippedMember } from '../fan-out';
import { InboundClaimLost, InboundMessage, InboundQueue } from '../ingress';
import { Bounces } from './bounces';
import { MemberMail } from './member-mail';
import { RelayNotices } from './notices';
import { OwnerMail } from './owner-mail';
import { PostInProgress, PostStage } from './post-stages';
import { LinkEmbargoStage } from './embargo-stage';
import { OpenStage, ReplayStage, SealStage, SelectRecipientsStage } from './stages';

type Refusal = { code: string; message: string };

/** How many times a stored message is tried before it is refused as one Cordon cannot process. */
export const MAX_INBOUND_ATTEMPTS = 5;
const UNPROCESSABLE: Refusal = {
  code: 'UNPROCESSABLE',
  message: `Cordon failed to process this message ${MAX_INBOUND_ATTEMPTS} times (an internal error, logged on the server); it will not be tried again.`,
};

/**
 * Drains the inbound queue: each stored message is claimed (with a lease, so a crash leaves it
 * claimable again), taken through the post pipeline, and finished in the same transaction that
 * records the outcome — the post and one queue row per member, or the refusal and its notices.
 * A post is therefore fanned out exactly once, or not at all and retried (docs/architecture.md, invariant 4).
 */
@Injectable()
export class InboundProcessor implements OnModuleDestroy {
  private readonly logger = new Logger('relay');
  private readonly stages: PostStage[];
  private readonly loop: PollingLoop;

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: InboundQueue,
    private readonly audit: AuditLog,
    private readonly notices: RelayNotices,
    private readonly outbox: Outbox,
    private readonly fanOut: FanOut,
    private readonly deliveries: PostDeliveryWorker,
    private readonly serviceMail: DeliveryWorker,
    private readonly ownerMail: OwnerMail,
    private readonly bounces: Bounces,
    private readonly memberMail: MemberMail,
    @Inject(SERVER_SECRET) private readonly secret: ServerSecret,
    @Inject(SETTINGS) private readonly settings: Settings,
    open: OpenStage,
    replay: ReplayStage,
    linkEmbargo: LinkEmbargoStage,
    selectRecipients: SelectRecipientsStage,
    seal: SealStage,
  ) {
    // The whole flow of a post, in order (docs/architecture.md, "The relay as stages"); the last step, enqueue,
    // is `commitPost` below, which must share one transaction with finishing the inbound message.
    this.stages = [open, replay, linkEmbargo, selectRecipients, seal];
    this.loop = new PollingLoop(
      () => this.drain(),
      settings.DELIVERY_POLL_MS,
      (error) => this.logger.error('inbound processing failed', (error as Error)?.stack),
    );
  }

  /** Polls the inbound queue every DELIVERY_POLL_MS. */
  start(): void {
    this.loop.start();
  }

  /** For the ingress to call once it has stored a message, so that it is processed now. */
  wake(): void {
    this.loop.wake();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  /** Processes until no stored message is waiting; returns how many it took. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const claimed = await this.queue.claim(5);
      if (!claimed.length) return total;
      for (const message of claimed) await this.process(message);
      total += claimed.length;
    }
  }

  private async process(message: InboundMessage): Promise<void> {
    // A message that failed every time it was tried is refused (and the maintainers told) rather
    // than tried every INBOUND_LEASE_MS for ever.
    if (message.attempts > MAX_INBOUND_ATTEMPTS) return this.refuseInbound(message, UNPROCESSABLE);
    try {
      switch (message.recipientKind) {
        case 'list':
          return await this.processPost(message);
        case 'sendkey':
          return await this.answerSendkey(message);
        case 'owner':
          return await this.forwardToOwners(message);
        case 'bounces':
          return await this.recordBounce(message);
        case 'ack':
          return await this.memberMail.acknowledge(message);
        case 'leaks':
          return await this.memberMail.reportLeak(message);
      }
    } catch (error) {
      if (error instanceof InboundClaimLost) return; // another worker owns it now
      // Left to its lease, to be tried again; the messages after it go on now. The error's name and
      // where it arose only: a parser's message may quote the mail.
      const where = (error as Error)?.stack?.split('\n').find((line) => line.trim().startsWith('at ')) ?? '';
      this.logger.error(
        `inbound ${message.id} failed on attempt ${message.attempts} of ${MAX_INBOUND_ATTEMPTS}: ${(error as Error)?.name ?? typeof error} ${where.trim()}`,
      );
    }
  }

  private async processPost(inbound: InboundMessage): Promise<void> {
    const post: PostInProgress = { inbound };
    for (const stage of this.stages) {
      const verdict = await stage.run(post);
      if (verdict.kind === 'refuse') {
        // A member's signed, encrypted answer is not a post: it goes to the maintainers (issue 5).
        const answer = verdict.code === 'SIGNER_NOT_MAINTAINER' ? await this.memberMail.answer(inbound) : null;
        if (answer?.kind === 'answer') return;
        return this.refuseInbound(inbound, answer?.refusal ?? verdict);
      }
    }
    try {
      await this.commitPost(post);
    } catch (error) {
      // Two copies of one signed post racing: the unique signature digest lets one win.
      if (error instanceof QueryFailedError && (error as { code?: string }).code === '23505') {
        return this.refuseInbound(inbound, {
          code: 'REPLAYED',
          message: 'This signed post was relayed before; a signature is relayed only once.',
        });
      }
      throw error;
    }
  }

  private async commitPost(post: PostInProgress): Promise<void> {
    const { inbound, opened, selection, sealed, embargo } = post as Required<PostInProgress>;
    const postId = randomUUID();
    const deliveries = await this.fanOut.keyPackets(sealed.sessionKey, selection.recipients);
    // Members who have not acknowledged the current policy get their copy once they do, while the
    // embargo runs (HeldMail); a post of an embargo that has already ended is never held for them.
    const skipped: SkippedMember[] = [...selection.skipped];
    if (embargo?.ended) {
      skipped.push(...selection.held.map((m) => ({ memberId: m.memberId, email: m.email, reason: 'embargo_ended' })));
    } else {
      const hold = { reason: 'policy_not_acknowledged' };
      deliveries.push(...(await this.fanOut.keyPackets(sealed.sessionKey, selection.held, new Date(), hold)));
    }
    const counts = await this.dataSource.transaction(async (manager) => {
      await manager.insert(Post, {
        id: postId,
        inboundMessageId: inbound.id,
        maintainerId: opened.maintainerId,
        signatureDigest: opened.signatureDigest,
        signedAt: opened.signedAt,
        embargoId: embargo?.id ?? null,
        subjectSealed: this.secret.seal('post-subject', opened.subject),
        bodyPackets: Buffer.from(sealed.bodyPackets),
        createdAt: new Date(),
      });
      const counts = await this.fanOut.enqueue(manager, postId, deliveries, skipped);
      await this.queue.finish(manager, inbound, { status: 'processed' });
      await this.audit.append(manager, {
        actor: `maintainer:${opened.maintainerId}`,
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
        maintainerId: opened.maintainerId,
        subject: opened.subject,
        postId,
        recipients: counts.queued,
        held: embargo?.ended ? [] : selection.held,
        skipped,
      });
      return counts;
    });
    this.logger.log(
      `post ${postId} from inbound ${inbound.id} queued for ${counts.queued} member(s), held for ${counts.held}`,
    );
    // Committed: the copies can go now rather than at the worker's next poll (when it runs here).
    // The sender's pre-flight summary is woken first, so that in one process it usually leaves
    // before the copies (it is not ordered across processes: see README "Pre-flight summary").
    this.serviceMail.wake();
    this.deliveries.wake();
  }

  private async refuseInbound(inbound: InboundMessage, refusal: Refusal): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.queue.finish(manager, inbound, { status: 'refused', refusalCode: refusal.code });
      await this.audit.append(manager, {
        actor: 'system',
        action: 'post.refused',
        subject: `inbound_message:${inbound.id}`,
        details: { code: refusal.code, sender: inbound.mailFrom, kind: inbound.recipientKind },
      });
      // A stranger gets one pointer to the application form, and the maintainers one line (issue 5).
      const stranger =
        inbound.recipientKind === 'list' &&
        refusal.code !== UNPROCESSABLE.code &&
        (await this.memberMail.strangerRefused(manager, inbound, refusal.code));
      if (stranger) return;
      await this.notices.refused(manager, {
        ...refusal,
        inboundId: inbound.id,
        sender: inbound.mailFrom,
        receivedAt: inbound.receivedAt,
      });
    });
    this.logger.warn(`inbound ${inbound.id} refused: ${refusal.code}`);
  }

  private async forwardToOwners(inbound: InboundMessage): Promise<void> {
    if ((await this.memberMail.answer(inbound)).kind === 'answer') return; // a member's answer (issue 5)
    const prepared = await this.ownerMail.prepare(inbound);
    await this.dataSource.transaction(async (manager) => {
      const maintainers = await this.ownerMail.forward(manager, inbound, prepared);
      await this.queue.finish(manager, inbound, { status: 'processed' });
      await this.audit.append(manager, {
        actor: 'system',
        action: 'relay.owner_mail',
        subject: `inbound_message:${inbound.id}`,
        details: { sender: inbound.mailFrom, maintainers },
      });
    });
  }

  private async recordBounce(inbound: InboundMessage): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const matched = await this.bounces.record(manager, inbound);
      await this.queue.finish(
        manager,
        inbound,
        matched ? { status: 'processed' } : { status: 'refused', refusalCode: 'UNKNOWN_BOUNCE' },
      );
    });
  }

  /** `-sendkey`: the list's public key to the envelope sender (at most once a day per address). */
  private async answerSendkey(inbound: InboundMessage): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const sent = inbound.mailFrom ? await this.outbox.sendListKey(manager, inbound.mailFrom) : false;
      await this.queue.finish(manager, inbound, { status: 'processed' });
      await this.audit.append(manager, {
        actor: 'system',
        action: 'relay.sendkey',
        subject: `inbound_message:${inbound.id}`,
        details: { requester: inbound.mailFrom, answered: sent },
      });
    });
  }
}
