import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { ListKey, SERVER_SECRET, ServerSecret } from '@cordon/crypto';
import { Outbox } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { EmbargoAudiences, EmbargoTags, RecipientSelector } from '@cordon/embargo';
import { MaintainerLookup } from '@cordon/maintainers';
import { MemberLookup } from '@cordon/membership';
import { FanOut, Post, sealPost } from '../fan-out';
import { copiesOf } from '../stages';
import { answerFrom, answerMessage } from './answer-message';
import { ANSWER_CONTENT, ANSWER_SUBJECT } from './answer-sealing';

interface Row {
  id: string;
  member_id: string;
  inbound_message_id: string;
  embargo_id: string | null;
  signed_at: Date;
  subject_sealed: string;
  content_sealed: string;
  released_at: Date | null;
}

/** The answer, with its member's address and key and whether its embargo has ended. */
interface AnswerRow extends Row {
  email: string;
  organisation: string;
  key_armored: string;
  embargoEnded: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const alreadyReleased = () =>
  new DomainError('WRONG_STATE', 'This answer has already been released to the list; it goes out once.');

/**
 * A maintainer releases a member's answer to the whole list (issue 5, "Members answer"). It goes
 * out exactly as a post does (stages/6-enqueue.ts): the answer, its protected From naming
 * the answering member, is signed by the list key and encrypted once; each eligible member gets a
 * copy with its own key packet; members who have not acknowledged the current policy get theirs
 * held, unless the answer's embargo has ended. It is recorded as a post (for the delivery status
 * pages) made by the releasing maintainer, and released once only; the audit log names the
 * maintainer.
 */
@Injectable()
export class ReleaseMemberAnswer {
  private readonly logger = new Logger('relay');
  private readonly audiences = new EmbargoAudiences();

  constructor(
    private readonly dataSource: DataSource,
    private readonly listKey: ListKey,
    private readonly selector: RecipientSelector,
    private readonly fanOut: FanOut,
    private readonly audit: AuditLog,
    private readonly outbox: Outbox,
    private readonly members: MemberLookup,
    private readonly embargoes: EmbargoTags,
    private readonly maintainers: MaintainerLookup,
    @Inject(SERVER_SECRET) private readonly secret: ServerSecret,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async execute(answerId: string, maintainerId: string): Promise<{ postId: string; queued: number; held: number }> {
    const answer = await this.load(this.dataSource.manager, answerId);
    if (answer.released_at) throw alreadyReleased();
    const subject = this.secret.open(ANSWER_SUBJECT, answer.subject_sealed);
    const [local, domain] = this.settings.LIST_ADDRESS.split('@');
    const content = answerMessage(
      {
        subject,
        from: answerFrom(answer),
        to: this.settings.LIST_ADDRESS,
        date: new Date(answer.signed_at),
        listId: `${this.settings.LIST_NAME} <${local}.${domain}>`,
      },
      Buffer.from(this.secret.open(ANSWER_CONTENT, answer.content_sealed), 'base64'),
    );
    // The slow part (sealing, one key packet per member) before the transaction, as a post does.
    const sealed = await sealPost(content, await this.listKey.secretKey());
    // To the audience of the answer's embargo only (issue 14), as the posts of that embargo go.
    const selection = await this.dataSource.transaction(async (manager) => {
      const found = answer.embargo_id && (await this.audiences.circumstances(manager, [answer.embargo_id]));
      const audience = found ? (found.get(answer.embargo_id!)?.audience ?? null) : null;
      return this.selector.select(manager, new Date(), { ended: answer.embargoEnded, audience });
    });
    const { deliveries, skipped } = await copiesOf(this.fanOut, sealed.sessionKey, selection);
    const postId = randomUUID();
    const counts = await this.dataSource.transaction(async (manager) => {
      await this.lockUnreleased(manager, answerId, maintainerId);
      await manager.insert(Post, {
        id: postId,
        inboundMessageId: answer.inbound_message_id,
        maintainerId,
        // Not a maintainer's signature: a value no signature digest (hex) can equal.
        signatureDigest: `released-answer:${answer.id}`,
        signedAt: new Date(answer.signed_at),
        embargoId: answer.embargo_id,
        subjectSealed: this.secret.seal('post-subject', subject),
        bodyPackets: Buffer.from(sealed.bodyPackets),
        createdAt: new Date(),
      });
      await manager.query(
        `UPDATE member_answer SET released_at = now(), released_by = $2, released_post_id = $3 WHERE id = $1`,
        [answerId, maintainerId, postId],
      );
      const counts = await this.fanOut.enqueue(manager, postId, deliveries, skipped);
      await this.audit.append(manager, {
        actor: `maintainer:${maintainerId}`,
        action: 'member_answer.released',
        subject: `member_answer:${answerId}`,
        details: {
          postId,
          memberId: answer.member_id,
          embargoId: answer.embargo_id,
          recipients: counts.queued,
          held: counts.held,
          skipped: counts.skipped,
        },
      });
      await this.tellMember(manager, answer, subject);
      return counts;
    });
    this.logger.log(`answer ${answerId} released as post ${postId}: ${counts.queued} queued, ${counts.held} held`);
    return { postId, queued: counts.queued, held: counts.held };
  }

  private async load(manager: EntityManager, id: string): Promise<AnswerRow> {
    const [row] = UUID.test(id)
      ? ((await manager.query(
          `SELECT id, member_id, inbound_message_id, embargo_id, signed_at, subject_sealed, content_sealed, released_at
           FROM member_answer WHERE id = $1`,
          [id],
        )) as Row[])
      : [];
    // The member, whatever its status now, as the join this replaces found it; gone, no answer.
    const member = row ? (await this.members.byIds(manager, [row.member_id])).get(row.member_id) : undefined;
    if (!row || !member) throw new DomainError('NOT_FOUND', 'There is no such answer.');
    const embargo = row.embargo_id ? (await this.embargoes.byIds(manager, [row.embargo_id])).get(row.embargo_id) : null;
    return {
      ...row,
      email: member.email,
      organisation: member.organisation,
      key_armored: member.keyArmored,
      // As before: an answer naming an embargo counts it ended unless it is found active.
      embargoEnded: row.embargo_id !== null && embargo?.status !== 'active',
    };
  }

  /** Holds the answer's row for this release: a second release, even a concurrent one, is refused. */
  private async lockUnreleased(manager: EntityManager, answerId: string, maintainerId: string): Promise<void> {
    if (!(await this.maintainers.isActive(manager, maintainerId)))
      throw new DomainError('FORBIDDEN', 'Only an active maintainer can release an answer.');
    const [row] = (await manager.query(`SELECT released_at FROM member_answer WHERE id = $1 FOR UPDATE`, [
      answerId,
    ])) as { released_at: Date | null }[];
    if (!row || row.released_at) throw alreadyReleased();
  }

  private async tellMember(manager: EntityManager, answer: AnswerRow, subject: string): Promise<void> {
    try {
      await this.outbox.send(manager, {
        purpose: 'relay.member_answer_released',
        to: answer.email,
        recipientKey: answer.key_armored,
        subject: `Your answer was released to the list: ${subject}`,
        text: `The maintainers released your answer of ${new Date(answer.signed_at).toISOString()} to every member of ${this.settings.LIST_ADDRESS}.`,
      });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error; // released all the same; the key cannot take mail
    }
  }
}
