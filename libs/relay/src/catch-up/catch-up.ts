import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { PublicKey } from 'openpgp';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { ListKey, readOneKey, SERVER_SECRET, ServerSecret } from '@cordon/crypto';
import { DeliveryWorker, Outbox, PollingLoop } from '@cordon/delivery';
import { EmbargoAudiences, EmbargoTags, Recipient, RecipientSelector } from '@cordon/embargo';
import { MaintainerLookup } from '@cordon/maintainers';
import { MemberLookup } from '@cordon/membership';
import { CurrentPolicyVersion } from '@cordon/policy';
import { ArmoredBody, assembleCopy, keyPacketFor, ListHeaders, PostTerms, postTerms, sealPost } from '../fan-out';
import { answerFrom } from '../member-answers/answer-message';
import { ANSWER_CONTENT, ANSWER_SUBJECT } from '../member-answers/answer-sealing';
import { openPost } from '../open';
import { catchUpContent, CatchUpSource } from './catch-up-copy';
import { CatchUpQueries, MissingCopy, PostSource } from './catch-up-queries';

/** One member's finished catch-up copy, made before the transaction that queues it. */
interface MadeCopy extends MissingCopy {
  id: string;
  recipient: string;
  raw: Buffer;
}

/**
 * Catch-up (README, "Catch-up"; issue 14): a member that becomes eligible while an embargo runs
 * (it joined, was reinstated, replaced or renewed its key, acknowledged the policy, entered the
 * audience) gets each earlier post of that embargo it has no copy of to its current key, once per
 * post, member and key. Who is eligible is the one rule's (RecipientSelector, with the embargo's
 * circumstances: docs/architecture.md, invariant 2), asked again in the transaction that queues.
 *
 * Each copy is made as every copy is (stages/5-seal.ts, fan-out/copy.ts): the stored inbound
 * message is opened again with the list key (a released member answer is made from its sealed
 * text, as the release made it), its content sealed by the list key once per post with
 * the Subject marked `[catch-up] ` and the protected field `Embargo-Catch-Up`, and each member gets
 * a copy with its own key packet alone (invariant 1). The copy is queued in the outbound queue in
 * the transaction that records the catch-up (UNIQUE per post, member and key), so a crash neither
 * loses nor doubles it (invariant 4). The worker role runs it every CATCH_UP_SECONDS.
 */
@Injectable()
export class CatchUp implements OnModuleDestroy {
  private readonly logger = new Logger('catch-up');
  private readonly loop: PollingLoop;
  private readonly queries = new CatchUpQueries();
  private readonly policy = new CurrentPolicyVersion();
  /** Each embargo's circumstances (whether it has ended, its audience), for the one rule. */
  private readonly audiences = new EmbargoAudiences();
  private readonly headers: ListHeaders;
  /** Posts already reported as impossible to catch up (erased, or no longer opening): told once. */
  private readonly reported = new Set<string>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly listKey: ListKey,
    private readonly selector: RecipientSelector,
    private readonly embargoes: EmbargoTags,
    private readonly maintainers: MaintainerLookup,
    private readonly members: MemberLookup,
    private readonly outbox: Outbox,
    private readonly serviceMail: DeliveryWorker,
    private readonly audit: AuditLog,
    @Inject(SERVER_SECRET) private readonly secret: ServerSecret,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {
    this.headers = new ListHeaders(settings.LIST_ADDRESS, settings.LIST_NAME);
    this.loop = new PollingLoop(
      () => this.runOnce(),
      settings.CATCH_UP_SECONDS * 1000,
      (error) => this.logger.error('catch-up run failed', (error as Error)?.stack),
    );
  }

  start(): void {
    this.loop.start();
  }

  /** Waits for a run in progress, so that it does not outlive the database connection. */
  onModuleDestroy(): Promise<void> {
    return this.loop.stop();
  }

  /** Catches up every active embargo's posts; returns how many copies were queued. */
  async runOnce(now = new Date()): Promise<number> {
    const manager = this.dataSource.manager;
    const embargoes = await this.audiences.circumstances(manager, await this.queries.embargoesWithPosts(manager));
    let queued = 0;
    for (const [embargoId, circumstances] of embargoes) {
      if (!circumstances.ended) queued += await this.catchUpEmbargo(embargoId, now);
    }
    if (queued > 0) {
      this.logger.log(`queued ${queued} catch-up cop${queued === 1 ? 'y' : 'ies'}`);
      this.serviceMail.wake();
    }
    return queued;
  }

  private async catchUpEmbargo(embargoId: string, now: Date): Promise<number> {
    const found = await this.dataSource.transaction(async (manager) => {
      const eligible = await this.eligibleNow(manager, embargoId, now);
      const missing = await this.queries.missing(manager, embargoId, [...eligible.values()]);
      return { eligible, missing };
    });
    if (found.missing.length === 0) return 0;
    // The slow part (opening, sealing, one key packet per member) outside any transaction.
    const made = await this.makeCopies(embargoId, found.missing, found.eligible, now);
    if (made.length === 0) return 0;
    return this.dataSource.transaction((manager) => this.queue(manager, embargoId, made, now));
  }

  /**
   * The members the one rule lets receive this embargo's posts now, by id: with its circumstances
   * as they are now (its audience; none once it has ended, since catch-up is for a running embargo).
   */
  private async eligibleNow(manager: EntityManager, embargoId: string, now: Date): Promise<Map<string, Recipient>> {
    const circumstances = await this.audiences.of(manager, embargoId);
    if (circumstances.ended) return new Map();
    const selection = await this.selector.select(manager, now, circumstances);
    return new Map(selection.recipients.map((r) => [r.memberId, { ...r, fingerprint: r.fingerprint.toUpperCase() }]));
  }

  private async makeCopies(
    embargoId: string,
    missing: MissingCopy[],
    eligible: Map<string, Recipient>,
    now: Date,
  ): Promise<MadeCopy[]> {
    const manager = this.dataSource.manager;
    const postIds = [...new Set(missing.map((copy) => copy.postId))];
    const sources = await this.queries.sources(manager, postIds);
    const embargo = await this.embargoes.terms(manager, embargoId);
    const terms = embargo ? postTerms(embargo, await this.policy.of(manager)) : null;
    const made: MadeCopy[] = [];
    for (const postId of postIds) {
      const source = sources.get(postId);
      const content = source ? await this.contentOf(source, terms) : null;
      if (!content) continue;
      const sealed = await sealPost(content, await this.listKey.secretKey(), now);
      const body = new ArmoredBody(Buffer.from(sealed.bodyPackets));
      const maintainer = (await this.maintainers.byIds(manager, [source!.maintainerId])).get(source!.maintainerId);
      const post = { body, date: now, maintainerName: maintainer?.name ?? null };
      for (const copy of missing.filter((c) => c.postId === postId)) {
        const member = eligible.get(copy.memberId)!;
        const id = randomUUID();
        try {
          const keyPacket = await keyPacketFor(sealed.sessionKey, member.key, now);
          const raw = assembleCopy({
            post,
            delivery: { id, recipient: member.email, keyPacket },
            headers: this.headers,
          });
          made.push({ ...copy, id, recipient: member.email, raw });
        } catch {
          // A key that cannot be encrypted to gets nothing; the next run tries again.
        }
      }
    }
    return made;
  }

  /** The catch-up content of a post, or null (said once) when what it was made from is gone or no longer opens. */
  private async contentOf(source: PostSource, terms: PostTerms | null): Promise<Buffer | null> {
    const cannot = (why: string) => {
      if (!this.reported.has(source.postId)) this.logger.warn(`post ${source.postId} cannot be caught up: ${why}`);
      this.reported.add(source.postId);
      return null;
    };
    const opened = source.releasedAnswerId
      ? await this.releasedAnswer(source.releasedAnswerId)
      : await this.maintainersPost(source);
    if (typeof opened === 'string') return cannot(opened);
    return catchUpContent({
      opened,
      firstSentAt: source.createdAt,
      terms,
      listAddress: this.settings.LIST_ADDRESS,
      listName: this.settings.LIST_NAME,
    });
  }

  /** A maintainer's post, opened again from its stored message; or why it cannot be. */
  private async maintainersPost(source: PostSource): Promise<CatchUpSource['opened'] | string> {
    if (!source.raw) return 'its stored message was erased';
    const mailbox = await this.maintainers.mailbox(this.dataSource.manager, source.maintainerId);
    let key: PublicKey;
    try {
      key = (await readOneKey(mailbox?.keyArmored ?? '')) as PublicKey;
    } catch {
      return "its maintainer's key no longer reads";
    }
    try {
      // As the list opened it when it was accepted: the signature is checked at that moment.
      return await openPost(source.raw, {
        listKey: await this.listKey.secretKey(),
        maintainers: [{ id: source.maintainerId, key }],
        now: source.createdAt,
        maxAgeDays: this.settings.POST_MAX_AGE_DAYS,
      });
    } catch {
      return "it no longer opens with the list key and its maintainer's key";
    }
  }

  /** A member's answer a maintainer released, as the release sealed it (member-answers/release-member-answer.ts). */
  private async releasedAnswer(answerId: string): Promise<CatchUpSource['opened'] | string> {
    const manager = this.dataSource.manager;
    const answer = await this.queries.releasedAnswer(manager, answerId);
    const member = answer && (await this.members.byIds(manager, [answer.memberId])).get(answer.memberId);
    if (!answer || !member) return 'its answer is gone';
    return {
      subject: this.secret.open(ANSWER_SUBJECT, answer.subjectSealed),
      from: answerFrom(member),
      date: answer.signedAt,
      signedAt: answer.signedAt,
      messageId: null,
      content: Buffer.from(this.secret.open(ANSWER_CONTENT, answer.contentSealed), 'base64'),
    };
  }

  /**
   * Queues the copies still due, in one transaction: the rule is asked again (a member suspended
   * or whose key changed since gets nothing), each catch-up is recorded before its copy is queued,
   * and one already recorded (by another worker) is left alone.
   */
  private async queue(manager: EntityManager, embargoId: string, made: MadeCopy[], now: Date): Promise<number> {
    const eligible = await this.eligibleNow(manager, embargoId, now);
    const stillMissing = new Set(
      (await this.queries.missing(manager, embargoId, [...eligible.values()])).map(
        (c) => `${c.postId}/${c.memberId}/${c.fingerprint.toUpperCase()}`,
      ),
    );
    const byPost = new Map<
      string,
      { id: string; memberId: string; keyFingerprint: string; outboundMessageId: string }[]
    >();
    for (const copy of made) {
      const fingerprint = copy.fingerprint.toUpperCase();
      if (!stillMissing.has(`${copy.postId}/${copy.memberId}/${fingerprint}`)) continue;
      if (eligible.get(copy.memberId)?.email !== copy.recipient) continue;
      if (!(await this.queries.claim(manager, copy.id, copy))) continue;
      const outboundMessageId = await this.outbox.queueSealed(manager, {
        purpose: 'post.catch_up',
        to: copy.recipient,
        raw: copy.raw,
        messageId: `<${copy.id}@${this.headers.domain}>`,
        recipientKey: fingerprint,
      });
      await this.queries.queued(manager, copy.id, outboundMessageId);
      byPost.set(copy.postId, [
        ...(byPost.get(copy.postId) ?? []),
        { id: copy.id, memberId: copy.memberId, keyFingerprint: fingerprint, outboundMessageId },
      ]);
    }
    for (const [postId, copies] of byPost) {
      await this.audit.append(manager, {
        actor: 'system',
        action: 'post.caught_up',
        subject: `post:${postId}`,
        details: { embargoId, copies },
      });
    }
    return [...byPost.values()].reduce((sum, copies) => sum + copies.length, 0);
  }
}
