import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { killPoint, SETTINGS, Settings } from '@cordon/config';
import { Outbox, PollingLoop } from '@cordon/delivery';
import { Bounces } from '../bounces/bounces';
import { InboundClaimLost, InboundMessage, InboundQueue } from '../ingress';
import { MemberMail } from '../member-mail/member-mail';
import { RelayNotices } from '../notices/relay-notices';
import { OwnerMail } from '../owner-mail/owner-mail';
import { Refusal, RefusalCode } from '../refusals/refusal-catalogue';
import { ReportMail } from '../report-mail/report-mail';
import { PostPipeline } from './post-pipeline';

const UNKNOWN_BOUNCE: RefusalCode = 'UNKNOWN_BOUNCE';

/** How many times a stored message is tried before it is refused as one Cordon cannot process. */
export const MAX_INBOUND_ATTEMPTS = 5;
const UNPROCESSABLE: Refusal = {
  code: 'UNPROCESSABLE',
  message: `Cordon failed to process this message ${MAX_INBOUND_ATTEMPTS} times (an internal error, logged on the server); it will not be tried again.`,
};

/**
 * Drains the inbound queue: each stored message is claimed (with a lease, so a crash leaves it
 * claimable again), handed on by the address it came to (a post to PostPipeline, member mail,
 * owner mail, vulnerability reports, bounces, key requests), and finished in the same transaction that records the
 * outcome — the post and one queue row per member, or the refusal and its notices.
 * A post is therefore fanned out exactly once, or not at all and retried (docs/architecture.md, invariant 4).
 */
@Injectable()
export class InboundProcessor implements OnModuleDestroy {
  private readonly logger = new Logger('relay');
  private readonly loop: PollingLoop;
  private stopListening?: () => void;

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: InboundQueue,
    private readonly audit: AuditLog,
    private readonly notices: RelayNotices,
    private readonly outbox: Outbox,
    private readonly ownerMail: OwnerMail,
    private readonly bounces: Bounces,
    private readonly memberMail: MemberMail,
    private readonly posts: PostPipeline,
    private readonly reportMail: ReportMail,
    @Inject(SETTINGS) settings: Settings,
  ) {
    this.loop = new PollingLoop(
      () => this.drain(),
      settings.DELIVERY_POLL_MS,
      (error) => this.logger.error('inbound processing failed', (error as Error)?.stack),
    );
  }

  /** Polls the inbound queue every DELIVERY_POLL_MS, and at once when a dead process's claims are void. */
  start(): void {
    this.stopListening ??= this.queue.onTakeover(() => this.wake());
    this.loop.start();
  }

  /** For the ingress to call once it has stored a message, so that it is processed now. */
  wake(): void {
    this.loop.wake();
  }

  stop(): Promise<void> {
    this.stopListening?.();
    this.stopListening = undefined;
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
        case 'report':
          return await this.reportMail.process(message);
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
    killPoint('opening');
    const verdict = await this.posts.run({ inbound });
    if (verdict.kind === 'continue') return;
    // A member's signed, encrypted answer is not a post: it goes to the maintainers (issue 5).
    const answer = verdict.refusal.code === 'SIGNER_NOT_MAINTAINER' ? await this.memberMail.answer(inbound) : null;
    if (answer?.kind === 'answer') return;
    return this.refuseInbound(inbound, answer?.refusal ?? verdict.refusal);
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
        matched ? { status: 'processed' } : { status: 'refused', refusalCode: UNKNOWN_BOUNCE },
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
